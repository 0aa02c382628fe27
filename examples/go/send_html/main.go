// Send an HTML message.
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
	m := missive.NewMessage()
	defer m.Close()
	for _, step := range []func() error{
		func() error { return m.SetFrom(settings.From()) },
		func() error { return m.AddTo(settings.To()) },
		func() error { return m.SetSubject("An HTML message from missive") },
		func() error {
			return m.SetHTMLBody("<html><body><h1>Hello</h1><p>This message is <b>HTML</b>.</p></body></html>")
		},
	} {
		if err := step(); err != nil {
			return err
		}
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
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
