// Send a collection over several connections at once (MISSIVE_CONNECTIONS, default 4), in
// the background, with progress; MISSIVE_COUNT messages (default 100).
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	missive "example.invalid/missive/bindings/go"
	"example.invalid/missive/examples/go/internal/settings"
)

func run() error {
	connections := settings.Int("MISSIVE_CONNECTIONS", 4)
	client, err := settings.Client(
		missive.WithMultiConnection(connections),
		missive.WithRetryPolicy(3, false),
		missive.WithProgress(func(p missive.Progress) bool {
			fmt.Printf("progress: %d/%d\n", p.Done, p.Total)
			return true
		}))
	if err != nil {
		return err
	}
	defer client.Close()
	count := settings.Int("MISSIVE_COUNT", 100)
	batch := missive.NewCollection()
	defer batch.Close()
	m := missive.NewMessage()
	defer m.Close()
	if err := m.SetFrom(settings.From()); err != nil {
		return err
	}
	if err := m.AddTo(settings.To()); err != nil {
		return err
	}
	for i := 1; i <= count; i++ {
		if err := m.SetSubject(fmt.Sprintf("Message %d of %d", i, count)); err != nil {
			return err
		}
		if err := batch.Add(m); err != nil { // a copy
			return err
		}
	}
	op, err := client.SendCollectionAsync(batch)
	if err != nil {
		return err
	}
	defer op.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := op.Wait(ctx)
	if res != nil {
		fmt.Printf("%d sent on %d connections\n", res.Sent, connections)
	}
	return err
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
