// Send a plain-text message synchronously.
package main

import (
	"context"
	"errors"
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

	m := missive.NewMessage()
	defer m.Close()
	if err := m.SetFrom(settings.From()); err != nil {
		return err
	}
	if err := m.AddTo(settings.To()); err != nil {
		return err
	}
	if err := m.SetSubject("Sending email with missive"); err != nil {
		return err
	}
	if err := m.SetBody("Hello,\n\nThis message was sent with missive from Go.\n"); err != nil {
		return err
	}
	r, err := client.Send(context.Background(), m)
	if err != nil {
		return err
	}
	settings.Report(r)
	return nil
}

func main() {
	if err := run(); err != nil {
		var se *missive.SendError
		if errors.As(err, &se) {
			for _, r := range se.Rejected() {
				fmt.Fprintln(os.Stderr, "refused:", r.Reply)
			}
		}
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
