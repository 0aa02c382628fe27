// Put MISSIVE_COUNT messages (default 10) into the durable queue named by MISSIVE_QUEUE_URL
// (default ./queue; file:///absolute/path or postgres://user:pass@host:5432/db?schema=missive)
// and print each one's Message-ID on a line of its own. Nothing is sent: queue_drain delivers
// them. Enqueues are idempotent per Message-ID.
package main

import (
	"fmt"
	"os"

	missive "example.invalid/missive/bindings/go"
	"example.invalid/missive/examples/go/internal/settings"
)

func run() error {
	client, err := missive.NewClient(settings.Queue(), missive.WithQueueIdempotent(true))
	if err != nil {
		return err
	}
	defer client.Close()
	count := settings.Int("MISSIVE_COUNT", 10)
	for i := 1; i <= count; i++ {
		m := missive.NewMessage()
		var id string
		for _, step := range []func() error{
			func() error { return m.SetFrom(settings.From()) },
			func() error { return m.AddTo(settings.To()) },
			func() error { return m.SetSubject(fmt.Sprintf("Queued message %d of %d", i, count)) },
			func() error { return m.SetBody("Queued with missive, delivered by a drainer.\n") },
			// Gives the message its Message-ID now: the one it is queued and sent with.
			func() (err error) { id, err = m.MessageID(); return err },
			func() error { return client.Enqueue(m) },
		} {
			if err := step(); err != nil {
				m.Close()
				return err
			}
		}
		m.Close()
		fmt.Println(id)
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
