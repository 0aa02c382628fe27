// Load an .eml and forward it to new recipients (MISSIVE_TO) in one of three modes:
//
//	forward_message FILE.eml [redirect|resend|attach]
//
// Redirect keeps the bytes (DKIM survives); resend adds a Resent-* block; attach sends a new
// "Fwd:" message with the original attached. MISSIVE_FROM is the forwarding address.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	missive "example.invalid/missive/bindings/go"
	"example.invalid/missive/examples/go/internal/settings"
)

func run(path, modeName string) error {
	mode := map[string]missive.ForwardMode{"redirect": missive.ForwardRedirect,
		"resend": missive.ForwardResend, "attach": missive.ForwardAttach}[modeName]
	client, err := settings.Client(missive.WithForwardSender(settings.From()))
	if err != nil {
		return err
	}
	defer client.Close()
	original, err := missive.LoadFile(path)
	if err != nil {
		return err
	}
	defer original.Close()
	r, err := client.Forward(context.Background(), original, mode, strings.Split(settings.To(), ",")...)
	if err != nil {
		return err
	}
	settings.Report(r)
	return nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: forward_message FILE.eml [redirect|resend|attach]")
		os.Exit(2)
	}
	mode := "redirect"
	if len(os.Args) > 2 {
		mode = os.Args[2]
	}
	if err := run(os.Args[1], mode); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
