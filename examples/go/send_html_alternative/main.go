// An HTML message with a plain-text alternative, sent in bulk: one message per recipient
// (MISSIVE_TO is a comma-separated list), delivered together with SendAll.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"missive.dev/examples/internal/settings"
	"missive.dev/missive"
)

func compose(to string) (*missive.Message, error) {
	m := missive.NewMessage()
	for _, err := range []error{
		m.SetFrom(settings.From()),
		m.AddTo(to),
		m.SetSubject("Our newsletter"),
		// Body (plain text) + HTML body = multipart/alternative.
		m.SetBody("Hello,\n\nThis is the plain-text version of the newsletter.\n"),
		m.SetHTMLBody("<html><body><p>Hello,</p><p>This is the <b>HTML</b> version of the newsletter.</p></body></html>"),
	} {
		if err != nil {
			m.Close()
			return nil, err
		}
	}
	return m, nil
}

func run() error {
	client, err := settings.Client()
	if err != nil {
		return err
	}
	defer client.Close()
	var batch []*missive.Message
	defer func() {
		for _, m := range batch {
			m.Close()
		}
	}()
	for _, to := range strings.Split(settings.To(), ",") {
		m, err := compose(strings.TrimSpace(to))
		if err != nil {
			return err
		}
		batch = append(batch, m)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := client.SendAll(ctx, batch...)
	if res != nil {
		fmt.Printf("delivered %d of %d messages\n", res.Sent, len(res.Items))
		for i, it := range res.Items {
			if it.Error != "" {
				fmt.Fprintf(os.Stderr, "message %d: %s\n", i, it.Error)
			}
		}
	}
	return err
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
