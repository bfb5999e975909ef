package cli

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/lobstr-go/lobstr/api"
)

// progress shows how a wait is going on stderr, the same way for every command that waits.
// On a terminal it keeps one line up to date, redrawn in place (\r, clear to the end of the
// line) and cut to the terminal's width less one, so it never wraps; its elapsed time
// ticks every second. Elsewhere it prints one plain line per change, never cut, never
// coloured. With --quiet it prints nothing.
//
//	task c5e29d2aba8b77cdc56391e7405302de: running, 40 results, 3s
type progress struct {
	w     io.Writer
	out   stream
	color bool
	quiet bool
	label string // "task c5e29d2aba8b77cdc56391e7405302de"
	start time.Time
	c     *cli

	mu     sync.Mutex
	state  string // the last state seen
	detail string // what follows the state: "40 results"
	drawn  bool   // a terminal line is on screen
	quit   chan struct{}
	ticker sync.WaitGroup
}

// newProgress starts a progress display for label on c's stderr. Call finish when done.
func (c *cli) newProgress(label string) *progress {
	out := c.errOut
	if c.env("TERM") == "dumb" {
		out.tty = false // a terminal that cannot redraw a line: a plain line per change
	}
	if out.tty {
		// On a terminal the line must fit: a hash is shown by its first 8 characters, so
		// that the state, percent, tasks, results and time left fit 80 columns.
		kind, id, ok := strings.Cut(label, " ")
		if ok && len(id) > 8 && api.ValidHash(id) {
			label = kind + " " + id[:8]
		}
	}
	p := &progress{
		w:     c.stderr,
		out:   out,
		color: c.color(c.errOut),
		quiet: c.quiet,
		label: clean(label),
		start: time.Now(),
		quit:  make(chan struct{}),
		c:     c,
	}
	c.mu.Lock()
	c.prog = p
	c.mu.Unlock()
	if p.out.tty && !p.quiet {
		p.ticker.Add(1)
		go p.tick()
	}
	return p
}

// tick redraws the terminal line every second, so the elapsed time moves between polls.
func (p *progress) tick() {
	defer p.ticker.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-p.quit:
			return
		case <-t.C:
			p.mu.Lock()
			if p.state != "" {
				p.draw()
			}
			p.mu.Unlock()
		}
	}
}

// update records the state seen by a poll and shows it.
func (p *progress) update(state, detail string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.quiet {
		return
	}
	changed := clean(state) != p.state || clean(detail) != p.detail
	p.state, p.detail = clean(state), clean(detail)
	if p.out.tty {
		p.draw()
		return
	}
	if changed {
		fmt.Fprintln(p.w, p.text(false))
	}
}

// text is the progress line: label, state, detail and elapsed time.
func (p *progress) text(color bool) string {
	var b strings.Builder
	b.WriteString(p.label + ": " + paint(p.state, color))
	if p.detail != "" {
		b.WriteString(", " + p.detail)
	}
	b.WriteString(", " + elapsed(time.Since(p.start)))
	return b.String()
}

// draw rewrites the terminal line. It never lets the line wrap, which would leave a stale
// line behind at every redraw.
func (p *progress) draw() {
	line := p.text(false)
	if n := p.out.width - 1; len([]rune(line)) > n {
		line = truncate(line, n)
	} else if p.color {
		line = p.text(true)
	}
	fmt.Fprint(p.w, "\r\x1b[K"+line)
	p.drawn = true
}

// interrupt prints whole lines (print) on stderr: on a terminal the progress line is taken
// away first and drawn again after.
func (p *progress) interrupt(print func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
	}
	print()
	if p.drawn {
		p.draw()
	}
}

// finish stops the display; on a terminal it ends the line, so what follows starts clean.
func (p *progress) finish() {
	close(p.quit)
	p.ticker.Wait()
	p.c.mu.Lock()
	if p.c.prog == p {
		p.c.prog = nil
	}
	p.c.mu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}
