package orderservice

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// LookupResult is what a lookup found.
type LookupResult struct {
	Found    bool // false: 404
	Dishes   int
	Complete bool // false with Found: partial, the replica has the order without its dishes
}

var (
	// ErrRejected is returned (wrapped) for 422: the service refuses the order.
	ErrRejected = errors.New("order service rejected the order")
	// ErrOverloaded is returned for 503: the service had no thread free.
	ErrOverloaded = errors.New("order service: 503 overloaded")
)

// LookupError is a lookup that got no usable answer. Its text names the
// order; counting errors by kind should use Err, which does not.
type LookupError struct {
	Order uint64
	Err   error
}

func (e *LookupError) Error() string {
	return fmt.Sprintf("order service: lookup of order %d: %v", e.Order, e.Err)
}

func (e *LookupError) Unwrap() error { return e.Err }

// Lookup is the kitchen display's client of the order service.
type Lookup struct {
	base      string // http://host:port
	timeout   time.Duration
	transport *http.Transport
	client    *http.Client
}

// lookupIdle keeps a connection per worker idle between lookups, for up to
// 256 workers with room to spare, so keep-alive holds under a full pool.
const lookupIdle = 512

// NewLookup makes a client of the service at addr (host:port, the proxy's).
// timeout bounds each lookup; 0 leaves only the caller's context.
func NewLookup(addr string, timeout time.Duration) *Lookup {
	t := &http.Transport{
		Proxy:               nil, // the address is already chaosrun's proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        lookupIdle,
		MaxIdleConnsPerHost: lookupIdle,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &Lookup{base: "http://" + addr, timeout: timeout, transport: t, client: &http.Client{Transport: t}}
}

// Get looks order up. A 404 is a result (Found false), not an error.
func (l *Lookup) Get(ctx context.Context, order uint64) (LookupResult, error) {
	if l.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, l.timeout)
		defer cancel()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, l.base+"/orders/"+strconv.FormatUint(order, 10), nil)
	if err != nil {
		return LookupResult{}, &LookupError{order, err}
	}
	resp, err := l.client.Do(req)
	if err != nil {
		return LookupResult{}, &LookupError{order, cause(err)}
	}
	defer resp.Body.Close()
	// Read the whole (small) body so the connection goes back to the pool.
	body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if err != nil {
		return LookupResult{}, &LookupError{order, cause(err)}
	}
	return decodeAnswer(order, resp.StatusCode, body)
}

// decodeAnswer turns the service's answer into a result.
func decodeAnswer(order uint64, status int, body []byte) (LookupResult, error) {
	switch status {
	case http.StatusOK:
	case http.StatusNotFound:
		return LookupResult{}, nil
	case http.StatusUnprocessableEntity:
		return LookupResult{}, &LookupError{Order: order, Err: ErrRejected}
	case http.StatusServiceUnavailable:
		return LookupResult{}, ErrOverloaded
	default:
		return LookupResult{}, &LookupError{order, fmt.Errorf("unexpected status %d", status)}
	}
	var b struct {
		Order  uint64 `json:"order"`
		Dishes *int   `json:"dishes"`
	}
	if err := json.Unmarshal(body, &b); err != nil {
		return LookupResult{}, &LookupError{order, fmt.Errorf("bad answer: %w", err)}
	}
	if b.Order != order {
		return LookupResult{}, &LookupError{order, fmt.Errorf("answer is for order %d", b.Order)}
	}
	if b.Dishes == nil {
		return LookupResult{Found: true}, nil
	}
	return LookupResult{Found: true, Dishes: *b.Dishes, Complete: true}, nil
}

// cause drops net/http's `Get "http://...":` prefix: the order says which
// request it was.
func cause(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// Close releases the idle connections.
func (l *Lookup) Close() { l.transport.CloseIdleConnections() }
