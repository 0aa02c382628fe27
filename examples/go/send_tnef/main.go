// Send a message as Outlook does: TNEF (a winmail.dat part carrying body and attachments).
package main

import (
	"context"
	"fmt"
	"os"

	missive "example.invalid/missive/bindings/go"
	"example.invalid/missive/examples/go/internal/settings"
)

func run() error {
	client, err := settings.Client(missive.WithTNEF(true)) // or Message.SetUseTNEF for one message
	if err != nil {
		return err
	}
	defer client.Close()
	m := missive.NewMessage()
	defer m.Close()
	for _, err := range []error{
		m.SetFrom(settings.From()),
		m.AddTo(settings.To()),
		m.SetSubject("Quarterly report (TNEF)"),
		m.SetBody("The report is attached.\n"),
		m.SetHTMLBody("<p>The report is <b>attached</b>.</p>"),
		m.AddAttachment("report.csv", "text/csv", []byte("q1,q2\n1,2\n")),
	} {
		if err != nil {
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
