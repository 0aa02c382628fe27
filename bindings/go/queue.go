package missive

/*
#include "missive.h"
*/
import "C"

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// QueueDrainCounts says what a DrainQueue did.
type QueueDrainCounts struct {
	Delivered, Deferred, DeadLettered, Recovered, Remaining int
}

// QueueCounts describes the queue.
type QueueCounts struct {
	Queued, Due, InFlight, DeadLettered int
	NextAttempt                         time.Time // zero when nothing waits
}

// QueueEntry is one message of the queue.
type QueueEntry struct {
	ID          string
	State       string // "queued", "inflight" or "dead"
	Attempts    int
	NextAttempt time.Time
	LastError   string // for dead letters, the reason
}

// WithQueueDirectory sets the durable queue's directory (created when missing).
func WithQueueDirectory(dir string) Option {
	return strOption(func(p *C.missive_client, s *C.char, n C.size_t) C.enum_missive_result {
		return C.missive_client_set_queue_directory(p, s, n)
	}, dir)
}

// WithQueueURL names the queue by URL: file:///absolute/path (the filesystem queue) or
// postgres://user:pass@host:5432/db?schema=missive (a PostgreSQL queue that drainers on many
// hosts share). A URL that cannot work gives ResultQueueURLInvalid.
func WithQueueURL(url string) Option {
	return strOption(func(p *C.missive_client, s *C.char, n C.size_t) C.enum_missive_result {
		return C.missive_client_set_queue_url(p, s, n)
	}, url)
}

// WithQueueLease sets how long a database queue's drainer holds a claimed message before
// another may take it (renewed while the message is sent; default 30 s, at least 500 ms).
func WithQueueLease(lease time.Duration) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_queue_lease(p, C.uint64_t(lease.Milliseconds()))
		})
	}
}

// WithQueueIdempotent makes Enqueue add a message at most once per Message-ID.
func WithQueueIdempotent(on bool) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_queue_idempotent(p, C.bool(on))
		})
	}
}

// WithQueueRetry sets the queue's backoff (initial, doubling, at most max) and how many
// failed attempts dead-letter a message.
func WithQueueRetry(initial, max time.Duration, maxAttempts int) Option {
	return func(c *Client) error {
		return c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_set_queue_retry(p, C.uint64_t(initial.Milliseconds()), C.uint64_t(max.Milliseconds()), C.uint32_t(maxAttempts))
		})
	}
}

// Enqueue writes m durably into the queue; DrainQueue delivers it.
func (c *Client) Enqueue(m *Message) error {
	return c.do(func(p *C.missive_client) C.enum_missive_result {
		m.mu.RLock()
		defer m.mu.RUnlock()
		if m.p == nil {
			return C.MISSIVE_RESULT_NULL_ARGUMENT
		}
		return C.missive_client_send_to_queue(p, m.p)
	})
}

// DrainQueue delivers due messages: at most maxMessages (0: no limit), starting none after
// budget (0: no limit). When the server cannot be reached (or refuses TLS or the credentials)
// the drain stops: the error is ResultQueueServerUnavailable with the connection error's text,
// the counts are returned with it, and the messages stay queued. A database queue that cannot
// be reached gives ResultQueueDatabaseUnavailable, also with the counts (Remaining 0: not
// known; all 0 when the database was never reached).
func (c *Client) DrainQueue(ctx context.Context, maxMessages int, budget time.Duration) (QueueDrainCounts, error) {
	type drained struct {
		counts QueueDrainCounts
		err    error
	}
	out, err := run(ctx, func() drained {
		var cc C.missive_queue_drain_counts
		e := c.do(func(p *C.missive_client) C.enum_missive_result {
			return C.missive_client_drain_queue(p, C.size_t(maxMessages), C.uint64_t(budget.Milliseconds()), &cc)
		})
		return drained{QueueDrainCounts{Delivered: int(cc.delivered), Deferred: int(cc.deferred),
			DeadLettered: int(cc.dead_lettered), Recovered: int(cc.recovered), Remaining: int(cc.remaining)}, e}
	})
	if err != nil {
		return QueueDrainCounts{}, err
	}
	return out.counts, out.err
}

// QueueState counts the queue's messages.
func (c *Client) QueueState() (QueueCounts, error) {
	var cc C.missive_queue_counts
	err := c.do(func(p *C.missive_client) C.enum_missive_result {
		return C.missive_client_queue_state(p, &cc)
	})
	q := QueueCounts{Queued: int(cc.queued), Due: int(cc.due), InFlight: int(cc.in_flight), DeadLettered: int(cc.dead_lettered)}
	if cc.next_attempt_unix_ms != 0 {
		q.NextAttempt = time.UnixMilli(int64(cc.next_attempt_unix_ms))
	}
	return q, err
}

// QueueList lists the queue's messages, queued ones first, oldest first.
func (c *Client) QueueList() ([]QueueEntry, error) {
	var text string
	err := c.do(func(p *C.missive_client) C.enum_missive_result {
		r, s := fetchText(func(b *C.char, n C.size_t, o *C.size_t) C.enum_missive_result {
			return C.missive_client_queue_list(p, b, n, o)
		})
		text = s
		return C.enum_missive_result(r)
	})
	if err != nil {
		return nil, err
	}
	var entries []QueueEntry
	for _, line := range strings.Split(text, "\n") {
		f := strings.SplitN(line, "\t", 5)
		if len(f) < 5 {
			continue
		}
		attempts, _ := strconv.Atoi(f[2])
		next, _ := strconv.ParseInt(f[3], 10, 64)
		e := QueueEntry{ID: f[0], State: f[1], Attempts: attempts, LastError: f[4]}
		if next != 0 {
			e.NextAttempt = time.UnixMilli(next)
		}
		entries = append(entries, e)
	}
	return entries, nil
}
