package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// progress shows how a wait is going on stderr. On a terminal it keeps one line up to date
// (rewritten with \r, its elapsed time ticking every second); elsewhere it prints one plain
// line per poll:
//
//	task c5e29d2aba8b77cdc56391e7405302de: running, 40 results, 3s
type progress struct {
	w     io.Writer
	tty   bool
	color bool
	width int
	label string // "task c5e29d2aba8b77cdc56391e7405302de"
	start time.Time

	mu     sync.Mutex
	state  string // the last state seen
	detail string // what follows the state: "40 results"
	drawn  bool   // a terminal line is on screen
	quit   chan struct{}
	ticker sync.WaitGroup
}

// newProgress starts a progress display for label on c's stderr.
func (c *cli) newProgress(label string) *progress {
	p := &progress{
		w:     c.stderr,
		tty:   isTerminal(c.stderr),
		color: c.colorFor(c.stderr),
		width: c.width(),
		label: label,
		start: time.Now(),
		quit:  make(chan struct{}),
	}
	if p.tty {
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
	p.state, p.detail = clean(state), clean(detail)
	if p.tty {
		p.draw()
		return
	}
	fmt.Fprintln(p.w, p.text(false))
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

// draw rewrites the terminal line. It never lets the line wrap, which would break \r.
func (p *progress) draw() {
	line := p.text(false)
	if n := p.width - 1; len([]rune(line)) > n {
		line = truncate(line, n)
	} else if p.color {
		line = p.text(true)
	}
	fmt.Fprint(p.w, "\r\x1b[K"+line)
	p.drawn = true
}

// finish stops the display; on a terminal it ends the line, so what follows starts clean.
func (p *progress) finish() {
	close(p.quit)
	p.ticker.Wait()
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}
