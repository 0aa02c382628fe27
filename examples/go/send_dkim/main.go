// Send a DKIM-signed message with one-click unsubscribe (RFC 8058). The key comes from
// MISSIVE_DKIM_KEY (a PEM file), MISSIVE_DKIM_DOMAIN and MISSIVE_DKIM_SELECTOR
// (MISSIVE_DKIM_ALGORITHM: rsa-sha256, the default, or ed25519-sha256).
package main

import (
	"context"
	"fmt"
	"os"

	missive "example.invalid/missive/bindings/go"
	"example.invalid/missive/examples/go/internal/settings"
)

func run() error {
	key, domain, selector := os.Getenv("MISSIVE_DKIM_KEY"), os.Getenv("MISSIVE_DKIM_DOMAIN"), os.Getenv("MISSIVE_DKIM_SELECTOR")
	if key == "" || domain == "" || selector == "" {
		return fmt.Errorf("set MISSIVE_DKIM_KEY (a PEM private key file), MISSIVE_DKIM_DOMAIN and MISSIVE_DKIM_SELECTOR")
	}
	alg := missive.DkimRsaSha256
	if os.Getenv("MISSIVE_DKIM_ALGORITHM") == "ed25519-sha256" {
		alg = missive.DkimEd25519Sha256
	}
	client, err := settings.Client(missive.WithDkimSignerFile(domain, selector, key, alg, 0))
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
	if err := m.SetSubject("A signed newsletter"); err != nil {
		return err
	}
	if err := m.SetBody("Hello,\n\nThis message is DKIM-signed (from Go).\n"); err != nil {
		return err
	}
	if err := m.SetListUnsubscribe("https://example.com/unsubscribe?u=1", "unsubscribe@example.com", true); err != nil {
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
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
