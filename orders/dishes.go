package orders

// Dishes is how many dishes an order has (1 to 5), derived from its id so
// the service and the verifier agree without sharing state.
func Dishes(order uint64) int {
	// splitmix64's finalizer: cheap, and spreads consecutive ids evenly.
	x := order
	x ^= x >> 30
	x *= 0xbf58476d1ce4e5b9
	x ^= x >> 27
	x *= 0x94d049bb133111eb
	x ^= x >> 31
	return int(x%5) + 1
}
