package api

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// WaitOption configures Tasks.Wait, Tasks.WaitUpload and Runs.Wait.
type WaitOption func(*waitConfig)

type waitConfig struct {
	interval, maxInterval time.Duration
	onTask                func(*Task)
	onUpload              func(*Upload)
	onRun                 func(RunProgress) // Runs.Wait (runs.go)
	noExport              bool              // Runs.Wait: do not wait for the export (runs.go)
	onSync                func(*SyncTask)   // accounts.go: OnSyncProgress
}

// Defaults of Tasks.Wait and Tasks.WaitUpload.
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

// OnTaskProgress has Tasks.Wait call fn with the task after every poll, finished or not:
// Status.Status and Status.TotalResults tell how far it has got.
func OnTaskProgress(fn func(*Task)) WaitOption {
	return func(c *waitConfig) { c.onTask = fn }
}

// OnUploadProgress has Tasks.WaitUpload call fn with the upload after every poll: State, and Meta
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

// waitFor gets a value until done says it is finished, waiting between gets with a growing
// interval, and calls progress (when set) with every value. It polls through failures that
// a later poll may not meet (network errors, 429, 5xx), waiting as between polls (or the
// 429's Retry-After, when longer), for as long as ctx allows (when the next poll would lie
// beyond ctx's deadline, it returns the failure at once); it ends on any other error
// (400, 401, 403, 404, a body that is not the documented JSON, …). When ctx ends first it
// returns the last value it got (nil if none) and the context's error, wrapped, with the
// last failure, if any, wrapped too.
func waitFor[T any](ctx context.Context, cfg waitConfig, name string, get func() (*T, error), done func(*T) bool, progress func(*T)) (*T, error) {
	interval := cfg.interval
	var last *T
	var lastErr error
	for {
		v, err := get()
		wait := interval
		switch {
		case err == nil:
			lastErr = nil
			last = v
			if progress != nil {
				progress(v)
			}
			if done(v) {
				return v, nil
			}
		case ctx.Err() != nil:
			return last, waitEnded(ctx, name, err, lastErr)
		case !pollAgain(err):
			return last, err
		default:
			lastErr = err
			var e *Error
			if errors.As(err, &e) && e.RetryAfter > wait {
				wait = e.RetryAfter
			}
			if !deadlineAllows(ctx, wait) {
				return last, err // the context would end before the next poll: the failure now
			}
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return last, waitEnded(ctx, name, lastErr)
		case <-t.C:
		}
		interval = min(interval+interval/2, cfg.maxInterval)
	}
}

// pollAgain reports whether a failed poll is worth another: the network failed, or the
// server said 429 or 5xx.
func pollAgain(err error) bool {
	var e *Error
	if errors.As(err, &e) {
		return e.Temporary()
	}
	var te *transportError
	return errors.As(err, &te)
}

// waitEnded is the error of a wait whose context ended, with the latest of the polls'
// failures (newest first) that was not the context ending.
func waitEnded(ctx context.Context, name string, failures ...error) error {
	for _, err := range failures {
		if err != nil && !errors.Is(err, ctx.Err()) {
			return fmt.Errorf("api: %s: %w; the last poll failed: %w", name, ctx.Err(), err)
		}
	}
	return fmt.Errorf("api: %s: %w", name, ctx.Err())
}

// Wait polls a task until its status says it is done (completed, failed or aborted:
// check Status.Status and Status.DoneReason) and returns it. The polls go through the
// client's pacing and retries, and the wait goes on through outages (network errors, 429,
// 5xx) for as long as ctx allows; it ends early only on an error no retry can fix (400, 401,
// 403, 404). When ctx ends first it returns the context's error, wrapped,
// together with the last task it saw (nil if none).
func (s *TasksService) Wait(ctx context.Context, hash string, opts ...WaitOption) (*Task, error) {
	c := s.client
	if err := checkHash("Tasks.Wait", "hash", hash); err != nil {
		return nil, err
	}
	cfg := newWaitConfig(opts)
	return waitFor(ctx, cfg, "Tasks.Wait "+hash,
		func() (*Task, error) { return c.Tasks.Get(ctx, hash) },
		func(t *Task) bool { return t.Status.IsDone },
		cfg.onTask)
}

// WaitUpload polls an upload until its state is SUCCESS or FAILURE and returns it; a
// FAILURE is returned as an upload, not as an error. Like Tasks.Wait, it polls through
// outages and ends early only on an error no retry can fix. When ctx ends first it returns the
// context's error, wrapped, together with the last upload it saw (nil if none).
func (s *TasksService) WaitUpload(ctx context.Context, id string, opts ...WaitOption) (*Upload, error) {
	c := s.client
	if err := checkHash("Tasks.WaitUpload", "id", id); err != nil {
		return nil, err
	}
	cfg := newWaitConfig(opts)
	return waitFor(ctx, cfg, "Tasks.WaitUpload "+id,
		func() (*Upload, error) { return c.Tasks.UploadStatus(ctx, id) },
		func(u *Upload) bool {
			return u.State != nil && (*u.State == UploadSuccess || *u.State == UploadFailure)
		},
		cfg.onUpload)
}
