// An HTML message with a plain-text alternative, sent in bulk: one message per recipient
// (MISSIVE_TO is a comma-separated list), delivered together with SendAll. The HTML is the body
// (SetIsBodyHTML) and the plain text an alternate view, in that order; the message still puts
// text/plain first in its multipart/alternative (RFC 2046 5.1.4: the richest version last).
package main

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	missive "example.invalid/missive/bindings/go"
	"example.invalid/missive/examples/go/internal/settings"
)

func compose(to string) (*missive.Message, error) {
	m := missive.NewMessage()
	for _, err := range []error{
		m.SetFrom(settings.From()),
		m.AddTo(to),
		m.SetSubject("Our newsletter"),
		// An HTML body plus a plain-text alternate view = multipart/alternative.
		// (SetBody with the plain text and SetHTMLBody with the HTML make the same.)
		m.SetBody("<html><body><p>Hello,</p><p>This is the <b>HTML</b> version of the newsletter.</p></body></html>"),
		m.SetIsBodyHTML(true),
		m.AddAlternateView("text/plain", "", []byte("Hello,\n\nThis is the plain-text version of the newsletter.\n")),
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
