package settings

import (
	"strings"

	missive "example.invalid/missive/bindings/go"
)

// Queue names the durable queue from MISSIVE_QUEUE_URL (default ./queue): a URL
// (file:///absolute/path, postgres://user:pass@host:5432/db?schema=missive) or a directory.
func Queue() missive.Option {
	q := env("MISSIVE_QUEUE_URL", "./queue")
	if strings.Contains(q, "://") {
		return missive.WithQueueURL(q)
	}
	return missive.WithQueueDirectory(q)
}
