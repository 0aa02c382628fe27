// Load an .eml file and send it as it is (to the recipients its headers name). An unchanged
// loaded message is delivered as its original bytes, less any Bcc: header.
//
//	go run ./load_and_send_eml MESSAGE.eml
package main

import (
	"context"
	"fmt"
	"os"

	missive "example.invalid/missive/bindings/go"
	"example.invalid/missive/examples/go/internal/settings"
)

func run(path string) error {
	client, err := settings.Client()
	if err != nil {
		return err
	}
	defer client.Close()
	m, err := missive.LoadFile(path)
	if err != nil {
		return err
	}
	defer m.Close()
	subject, _ := m.Subject()
	fmt.Printf("loaded %q\n", subject)
	r, err := client.Send(context.Background(), m)
	if err != nil {
		return err
	}
	settings.Report(r)
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: load_and_send_eml MESSAGE.eml")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
