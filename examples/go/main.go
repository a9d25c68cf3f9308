// Command envelog-ingest is an ingest client for envelog, standard library
// only.  A message server hands events to a Client; the client sends them
// in batches to POST /v1/events and makes sure each batch is logged exactly
// once, however often the network or the server fails:
//
//   - every batch gets its own Idempotency-Key when it is formed; the key
//     and the exact body bytes are kept until the batch is answered 201;
//   - a connection failure, a timeout, a 500 or a 503 is retried with the
//     same key and body, after an exponential back-off with full jitter,
//     and never sooner than a 503's Retry-After;
//   - a retry of a batch that was committed is answered with the original
//     {first, count, checkpoint} and appends nothing;
//   - any other 4xx is the batch's fault and is not retried (it would be
//     refused again); 409 conflict means the key was reused for another
//     body, a bug in the client.
//
// As a program it reads events (one JSON object a line) from stdin and
// prints one line per batch, "first count", on stdout:
//
//	ENVELOG_TOKEN=elog_… envelog-ingest -url http://127.0.0.1:8080 -batch 1000 <events.ndjson
package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	mrand "math/rand"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Answer is the 201 answer of POST /v1/events: the batch's events have
// seqs First … First+Count-1, in the log whose signed Checkpoint covers them.
type Answer struct {
	First      uint64 `json:"first"`
	Count      uint64 `json:"count"`
	Checkpoint string `json:"checkpoint"`
}

// Refused is a batch the server refused for good (a 4xx): resending it
// unchanged would be refused again.
type Refused struct {
	Status  int
	Code    string
	Message string
}

func (e *Refused) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

// ErrGaveUp: a batch was not answered within MaxAttempts; it may or may
// not be logged.  Send it again later with the same key (Batch.Key),
// within the server's --idempotency-window (24 h by default).
var ErrGaveUp = errors.New("no answer")

// Batch is the unit of retry: a body and the key that names it.
type Batch struct {
	Body  []byte
	Count int
	Key   string
}

var keyChars = regexp.MustCompile(`[^A-Za-z0-9_.:-]`)

// NewBatch encodes events and gives them a fresh key
// (1-128 characters of letters, digits and "-_.:").
func NewBatch(events []json.RawMessage, keyPrefix string) (*Batch, error) {
	body, err := json.Marshal(events)
	if err != nil {
		return nil, err
	}
	var r [16]byte
	if _, err := rand.Read(r[:]); err != nil {
		return nil, err
	}
	prefix := keyChars.ReplaceAllString(keyPrefix, "")
	if len(prefix) > 64 {
		prefix = prefix[:64]
	}
	if prefix == "" {
		prefix = "batch"
	}
	return &Batch{Body: body, Count: len(events), Key: prefix + "-" + hex.EncodeToString(r[:])}, nil
}

// Client sends batches to one envelogd.
type Client struct {
	URL         string // envelogd's base URL
	Token       string // an ingest token
	BatchSize   int
	Timeout     time.Duration // per attempt
	BackoffBase time.Duration
	BackoffMax  time.Duration
	MaxAttempts int
	KeyPrefix   string
	Log         func(format string, args ...any)

	http    http.Client
	jitter  *mrand.Rand
	pending []json.RawMessage
}

// Add queues one event and sends a batch once BatchSize are queued; it
// returns that batch's answer, or nil.
func (c *Client) Add(event json.RawMessage) (*Answer, error) {
	c.pending = append(c.pending, event)
	if len(c.pending) >= c.BatchSize {
		return c.Flush()
	}
	return nil, nil
}

// Flush sends what is queued as one batch: its answer, or nil if empty.
func (c *Client) Flush() (*Answer, error) {
	if len(c.pending) == 0 {
		return nil, nil
	}
	b, err := NewBatch(c.pending, c.KeyPrefix)
	if err != nil {
		return nil, err
	}
	c.pending = nil
	return c.Send(b)
}

// Send posts the batch until it is answered 201.
func (c *Client) Send(b *Batch) (*Answer, error) {
	c.http.Timeout = c.Timeout
	for attempt := 0; attempt < c.MaxAttempts; attempt++ {
		ans, retryAfter, why, err := c.post(b)
		if err != nil || ans != nil {
			return ans, err
		}
		if attempt+1 == c.MaxAttempts {
			break
		}
		wait := c.backoff(attempt)
		if retryAfter > wait {
			wait = retryAfter
		}
		c.logf("batch %s: %s; retrying in %v", b.Key, why, wait.Round(time.Millisecond))
		time.Sleep(wait)
	}
	return nil, fmt.Errorf("batch %s: %w after %d attempts", b.Key, ErrGaveUp, c.MaxAttempts)
}

// backoff is "full jitter": uniform in [0, min(max, base * 2^attempt)].
func (c *Client) backoff(attempt int) time.Duration {
	ceil := float64(c.BackoffBase) * math.Pow(2, float64(attempt))
	if ceil > float64(c.BackoffMax) {
		ceil = float64(c.BackoffMax)
	}
	if c.jitter == nil { // seeded apart, so that clients do not retry in step
		var seed [8]byte
		_, _ = rand.Read(seed[:])
		c.jitter = mrand.New(mrand.NewSource(int64(binary.LittleEndian.Uint64(seed[:]))))
	}
	return time.Duration(c.jitter.Float64() * ceil)
}

// post makes one attempt: the answer, or a refusal (err), or what to wait
// and why when the attempt is to be retried.
func (c *Client) post(b *Batch) (*Answer, time.Duration, string, error) {
	req, err := http.NewRequest(http.MethodPost, strings.TrimRight(c.URL, "/")+"/v1/events", bytes.NewReader(b.Body))
	if err != nil {
		return nil, 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", b.Key)
	resp, err := c.http.Do(req)
	if err != nil { // no answer: the batch may be logged
		return nil, 0, "no answer (" + err.Error() + ")", nil
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, 0, "no whole answer (" + err.Error() + ")", nil
	}
	var e struct {
		Error struct{ Code, Message string }
	}
	switch {
	case resp.StatusCode == http.StatusCreated:
		var ans Answer
		if err := json.Unmarshal(body, &ans); err != nil || ans.Count != uint64(b.Count) {
			return nil, 0, fmt.Sprintf("unexpected answer %q", body), nil
		}
		return &ans, 0, "", nil
	case resp.StatusCode >= 500:
		_ = json.Unmarshal(body, &e)
		var ra time.Duration
		if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
			ra = time.Duration(s) * time.Second
		}
		return nil, ra, fmt.Sprintf("%d %s", resp.StatusCode, e.Error.Code), nil
	default:
		_ = json.Unmarshal(body, &e)
		return nil, 0, "", &Refused{resp.StatusCode, e.Error.Code, e.Error.Message}
	}
}

func (c *Client) logf(format string, args ...any) {
	if c.Log != nil {
		c.Log(format, args...)
	}
}

func main() {
	host, _ := os.Hostname()
	c := &Client{}
	flag.StringVar(&c.URL, "url", "", "envelogd's base URL (required)")
	flag.IntVar(&c.BatchSize, "batch", 1000, "events per batch")
	flag.DurationVar(&c.Timeout, "timeout", 30*time.Second, "time per attempt")
	flag.DurationVar(&c.BackoffBase, "backoff-base", 500*time.Millisecond, "first back-off ceiling")
	flag.DurationVar(&c.BackoffMax, "backoff-max", time.Minute, "largest back-off")
	flag.IntVar(&c.MaxAttempts, "attempts", 20, "attempts per batch")
	flag.StringVar(&c.KeyPrefix, "key-prefix", strings.Split(host, ".")[0], "prefix of the Idempotency-Keys")
	flag.Parse()
	c.Token = os.Getenv("ENVELOG_TOKEN")
	if c.URL == "" || c.Token == "" || c.BatchSize < 1 || c.MaxAttempts < 1 {
		fmt.Fprintln(os.Stderr, "envelog-ingest: -url and ENVELOG_TOKEN (an ingest token) are required")
		os.Exit(2)
	}
	c.Log = func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "envelog-ingest: "+format+"\n", args...)
	}
	report := func(a *Answer, err error) {
		if err != nil {
			fmt.Fprintln(os.Stderr, "envelog-ingest:", err)
			os.Exit(1)
		}
		if a != nil {
			fmt.Println(a.First, a.Count)
		}
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64*1024), 1<<20)
	for in.Scan() {
		line := bytes.TrimSpace(in.Bytes())
		if len(line) == 0 {
			continue
		}
		if !json.Valid(line) {
			fmt.Fprintln(os.Stderr, "envelog-ingest: a line of stdin is not JSON")
			os.Exit(1)
		}
		report(c.Add(append(json.RawMessage(nil), line...)))
	}
	if err := in.Err(); err != nil {
		fmt.Fprintln(os.Stderr, "envelog-ingest:", err)
		os.Exit(1)
	}
	report(c.Flush())
}
