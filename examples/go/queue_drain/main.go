// Deliver the durable queue (MISSIVE_QUEUE_URL, as for queue_enqueue) to MISSIVE_SMTP_URL until
// it is empty or MISSIVE_DRAIN_SECONDS (default 60) pass, then print one last line
// `delivered N deferred N dead N remaining N`. On a PostgreSQL queue any number of drainers
// work at once, each message claimed by one of them under a lease (MISSIVE_QUEUE_LEASE_SECONDS,
// default 30); on a file queue a second drainer waits for the first. A database that goes
// away is reported, and the drainer waits for it.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	missive "example.invalid/missive/bindings/go"
	"example.invalid/missive/examples/go/internal/settings"
)

func run() error {
	opts := []missive.Option{settings.Queue()}
	if v := os.Getenv("MISSIVE_QUEUE_LEASE_SECONDS"); v != "" {
		secs, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("MISSIVE_QUEUE_LEASE_SECONDS: %w", err)
		}
		opts = append(opts, missive.WithQueueLease(time.Duration(secs*float64(time.Second))))
	}
	if os.Getenv("MISSIVE_SMTP_URL") == "" {
		return errors.New("set MISSIVE_SMTP_URL, e.g. smtp+starttls://user:pass@host:587")
	}
	client, err := settings.Client(opts...)
	if err != nil {
		return err
	}
	defer client.Close()
	deadline := time.Now().Add(time.Duration(settings.Int("MISSIVE_DRAIN_SECONDS", 60)) * time.Second)
	var delivered, deferred, dead, remaining int
	for time.Now().Before(deadline) {
		c, err := client.DrainQueue(context.Background(), 0, time.Until(deadline))
		delivered += c.Delivered
		deferred += c.Deferred
		dead += c.DeadLettered
		switch {
		case errors.Is(err, missive.ResultQueueBusy):
			// A file queue drains one at a time: wait for the other drainer.
			time.Sleep(200 * time.Millisecond)
			continue
		case errors.Is(err, missive.ResultQueueDatabaseUnavailable),
			errors.Is(err, missive.ResultQueueServerUnavailable):
			fmt.Fprintln(os.Stderr, "waiting:", err)
			time.Sleep(time.Second)
			continue
		case err != nil:
			return err
		}
		if c.Delivered+c.Deferred+c.DeadLettered > 0 {
			continue // more may be due
		}
		// Nothing was due for this drainer: done when nothing is queued or in flight.
		if st, err := client.QueueState(); err == nil && st.Queued+st.InFlight == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if st, err := client.QueueState(); err == nil {
		remaining = st.Queued + st.InFlight
	}
	fmt.Printf("delivered %d deferred %d dead %d remaining %d\n", delivered, deferred, dead, remaining)
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
