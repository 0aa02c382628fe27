// Package settings reads where the examples send, from the environment:
//
//	MISSIVE_SMTP_URL  e.g. smtp+starttls://me%40example.com:app-password@smtp.example.com:587
//	                  (without it, messages go into the pickup directory ./outbox, or
//	                  $MISSIVE_PICKUP_DIR, as .eml files)
//	MISSIVE_PROXY_URL  e.g. socks5://user:pass@proxy.example.com:1080, socks4a://host:1080 or
//	                   http://user:pass@proxy.example.com:3128: reach the server through it
//	MISSIVE_FROM, MISSIVE_TO  the sender and the recipient(s)
package settings

import (
	"fmt"
	"os"
	"strconv"
	"time"

	missive "example.invalid/missive/bindings/go"
)

func env(name, fallback string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return fallback
}

// From is the sender.
func From() string { return env("MISSIVE_FROM", "Sender Name <sender@example.com>") }

// To is the recipient (or a comma-separated list).
func To() string { return env("MISSIVE_TO", "receiver@example.com") }

// Int reads a number from the environment.
func Int(name string, fallback int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil {
		return n
	}
	return fallback
}

// Client makes the client: SMTP from MISSIVE_SMTP_URL, else a pickup directory.
func Client(opts ...missive.Option) (*missive.Client, error) {
	if url := os.Getenv("MISSIVE_SMTP_URL"); url != "" {
		base := []missive.Option{missive.WithURL(url), missive.WithTimeout(10*time.Second, time.Minute)}
		if proxy := os.Getenv("MISSIVE_PROXY_URL"); proxy != "" {
			base = append(base, missive.WithProxy(proxy))
		}
		return missive.NewClient(append(base, opts...)...)
	}
	return missive.NewClient(append([]missive.Option{missive.WithPickupDirectory(env("MISSIVE_PICKUP_DIR", "outbox"))}, opts...)...)
}

// Report prints where a message went.
func Report(r *missive.SendResult) {
	if r.PickupPath != "" {
		fmt.Println("delivered into the pickup directory:", r.PickupPath)
	} else {
		fmt.Println("sent over SMTP:", r.ReplyCode, r.ReplyText)
	}
}
