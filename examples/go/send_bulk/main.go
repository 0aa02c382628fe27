// Send a collection of messages (MISSIVE_COUNT, default 10) and print one outcome per message.
package main

import (
	"context"
	"fmt"
	"os"

	missive "example.invalid/missive/bindings/go"
	"example.invalid/missive/examples/go/internal/settings"
)

func run() error {
	client, err := settings.Client()
	if err != nil {
		return err
	}
	defer client.Close()
	count := settings.Int("MISSIVE_COUNT", 10)
	batch := missive.NewCollection()
	defer batch.Close()
	for i := 1; i <= count; i++ {
		m := missive.NewMessage()
		for _, err := range []error{
			m.SetFrom(settings.From()),
			m.AddTo(settings.To()),
			m.SetSubject(fmt.Sprintf("Bulk message %d of %d", i, count)),
			m.SetBody(fmt.Sprintf("This is message %d.\n", i)),
			batch.Add(m), // a copy
		} {
			if err != nil {
				m.Close()
				return err
			}
		}
		m.Close()
	}
	res, err := client.SendCollection(context.Background(), batch)
	if res != nil {
		for i, it := range res.Items {
			fmt.Printf("message %d: %v %s%s\n", i+1, it.Status, it.Error, it.Result.ReplyText)
		}
		fmt.Printf("%d sent, %d failed\n", res.Sent, res.Failed)
	}
	return err
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
