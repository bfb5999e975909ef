package api

import (
	"context"
	"fmt"
	"time"
)

// WaitOption configures WaitTask and WaitUpload.
type WaitOption func(*waitConfig)

type waitConfig struct {
	interval, maxInterval time.Duration
	onTask                func(*Task)
	onUpload              func(*Upload)
}

// Defaults of WaitTask and WaitUpload.
const (
	DefaultPollInterval    = time.Second
	DefaultMaxPollInterval = 30 * time.Second
)

// WithPollInterval sets the first wait between two polls (DefaultPollInterval unless set).
// Each next wait is half as long again, up to the cap of WithMaxPollInterval.
func WithPollInterval(d time.Duration) WaitOption {
	return func(c *waitConfig) {
		if d > 0 {
			c.interval = d
		}
	}
}

// WithMaxPollInterval caps the wait between two polls (DefaultMaxPollInterval unless set).
func WithMaxPollInterval(d time.Duration) WaitOption {
	return func(c *waitConfig) {
		if d > 0 {
			c.maxInterval = d
		}
	}
}

// OnTaskProgress has WaitTask call fn with the task after every poll, finished or not:
// Status.Status and Status.TotalResults tell how far it has got.
func OnTaskProgress(fn func(*Task)) WaitOption {
	return func(c *waitConfig) { c.onTask = fn }
}

// OnUploadProgress has WaitUpload call fn with the upload after every poll: State, and Meta
// once the counts are known.
func OnUploadProgress(fn func(*Upload)) WaitOption {
	return func(c *waitConfig) { c.onUpload = fn }
}

func newWaitConfig(opts []WaitOption) waitConfig {
	c := waitConfig{interval: DefaultPollInterval, maxInterval: DefaultMaxPollInterval}
	for _, o := range opts {
		if o != nil {
			o(&c)
		}
	}
	if c.maxInterval < c.interval {
		c.maxInterval = c.interval
	}
	return c
}

// poll calls check until it reports done, waiting between calls with a growing interval.
func poll(ctx context.Context, cfg waitConfig, check func() (bool, error)) error {
	interval := cfg.interval
	for {
		done, err := check()
		if err != nil || done {
			return err
		}
		t := time.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
		interval += interval / 2
		if interval > cfg.maxInterval {
			interval = cfg.maxInterval
		}
	}
}

// WaitTask polls a task until its status says it is done (completed, failed or aborted:
// check Status.Status and Status.DoneReason) and returns it. The polls go through the
// client's pacing and retries. When ctx ends first it returns the context's error, wrapped,
// together with the last task it saw (nil if none).
func (c *Client) WaitTask(ctx context.Context, hash string, opts ...WaitOption) (*Task, error) {
	if err := checkHash("WaitTask", "hash", hash); err != nil {
		return nil, err
	}
	cfg := newWaitConfig(opts)
	var last *Task
	err := poll(ctx, cfg, func() (bool, error) {
		t, err := c.GetTask(ctx, hash)
		if err != nil {
			return false, err
		}
		last = t
		if cfg.onTask != nil {
			cfg.onTask(t)
		}
		return t.Status.IsDone, nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return last, fmt.Errorf("api: WaitTask %s: %w", hash, ctx.Err())
		}
		return last, err
	}
	return last, nil
}

// WaitUpload polls an upload until its state is SUCCESS or FAILURE and returns it; a
// FAILURE is returned as an upload, not as an error. When ctx ends first it returns the
// context's error, wrapped, together with the last upload it saw (nil if none).
func (c *Client) WaitUpload(ctx context.Context, id string, opts ...WaitOption) (*Upload, error) {
	if err := checkHash("WaitUpload", "id", id); err != nil {
		return nil, err
	}
	cfg := newWaitConfig(opts)
	var last *Upload
	err := poll(ctx, cfg, func() (bool, error) {
		u, err := c.GetUpload(ctx, id)
		if err != nil {
			return false, err
		}
		last = u
		if cfg.onUpload != nil {
			cfg.onUpload(u)
		}
		return u.State != nil && (*u.State == UploadSuccess || *u.State == UploadFailure), nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return last, fmt.Errorf("api: WaitUpload %s: %w", id, ctx.Err())
		}
		return last, err
	}
	return last, nil
}
