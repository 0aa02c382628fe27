// Forward a raw .eml of any size without loading it, from an io.Reader (the file, or standard
// input with "-"): sent as it is with a new envelope (only Bcc fields are dropped).
//
//	forward_eml_stream FILE.eml | -
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"example.invalid/missive/examples/go/internal/settings"
)

func run(path string) error {
	client, err := settings.Client()
	if err != nil {
		return err
	}
	defer client.Close()
	var in io.Reader = os.Stdin
	size := int64(-1)
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		if st, err := f.Stat(); err == nil {
			size = st.Size()
		}
		in = f
	}
	from := settings.From()
	if i := strings.LastIndex(from, "<"); i >= 0 {
		from = strings.Trim(from[i:], "<>")
	}
	// Streamed through the C read callback; memory does not grow with the message.
	r, err := client.ForwardReader(context.Background(), in, size, from, strings.Split(settings.To(), ",")...)
	if err != nil {
		return err
	}
	settings.Report(r)
	return nil
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: forward_eml_stream FILE.eml | -")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
