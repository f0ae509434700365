package faults

import "testing"

func TestRetopic(t *testing.T) {
	tg := Target{Leader: &TopicPartition{Topic: "orders", Partition: 2}, Follower: &TopicPartition{Topic: "other", Partition: 0}}
	got := tg.Retopic("orders", "chaosrun-orders-r1")
	if got.Leader.Topic != "chaosrun-orders-r1" || got.Leader.Partition != 2 || got.Follower.Topic != "other" {
		t.Fatalf("got %v %v", got.Leader, got.Follower)
	}
	if tg.Leader.Topic != "orders" {
		t.Fatal("the original target was changed")
	}
}
