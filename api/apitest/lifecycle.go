package apitest

import (
	"encoding/json"
	"time"

	"github.com/lobstr-go/lobstr/gen/models"
)

// Lifecycle moves a task from pending through running to its end, over a number of Get Task
// calls (Polls) or over a time (Duration). While it runs, status.total_results grows towards
// Results; at the end, status.is_done, done_reason, ended_at (and for a failure has_errors
// and errors) are set.
type Lifecycle struct {
	// Polls is the Get Task call that finds the task done: the first call sees it pending,
	// the ones in between running. Used when above 0.
	Polls int
	// Duration is the time from SetLifecycle (or from the task's creation, for WithLifecycle)
	// until the task is done: pending for the first quarter, then running. Used when Polls
	// is 0. With neither, the first Get Task finds the task done.
	Duration time.Duration
	// End is how the task ends: "completed" (when empty), "failed" or "aborted".
	End models.TaskState
	// Results is status.total_results when the task completes; a failed or aborted task ends
	// with half as many (an aborted task may have partial results).
	Results int
}

// SetLifecycle makes the task of that hash pending now and moves it along l, one step per
// Get Task call (or with time). It does nothing when no task has that hash.
func (f *Fake) SetLifecycle(hash string, l Lifecycle) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, ok := f.tasks[hash]
	if !ok {
		return
	}
	rec.task.Status = pendingStatus()
	rec.life = newLifeState(l, time.Now())
}

// lifeState is a task's progress along its Lifecycle.
type lifeState struct {
	l     Lifecycle
	start time.Time
	polls int
	done  bool
}

func newLifeState(l Lifecycle, start time.Time) *lifeState {
	switch l.End {
	case "failed", "aborted":
	default:
		l.End = "completed"
	}
	return &lifeState{l: l, start: start}
}

// poll advances the task by one Get Task call made at now.
func (s *lifeState) poll(t *models.Task, now time.Time) {
	if s.done {
		return
	}
	s.polls++
	var frac float64 // how far through running; -1 while pending; 1 when done
	switch l := s.l; {
	case l.Polls > 0:
		switch {
		case s.polls >= l.Polls:
			frac = 1
		case s.polls == 1:
			frac = -1
		default:
			frac = float64(s.polls-1) / float64(l.Polls-1)
		}
	case l.Duration > 0:
		el, pending := now.Sub(s.start), l.Duration/4
		switch {
		case el >= l.Duration:
			frac = 1
		case el < pending:
			frac = -1
		default:
			frac = float64(el-pending) / float64(l.Duration-pending)
		}
	default:
		frac = 1
	}

	st := &t.Status
	switch {
	case frac < 0:
		*st = pendingStatus()
	case frac < 1:
		st.Status = "running"
		if st.StartedAt == nil {
			ts := timestampOf(now)
			st.StartedAt = &ts
		}
		st.TotalResults = int(frac * float64(s.l.Results))
		st.TotalPages = pagesFor(st.TotalResults)
	default:
		s.done = true
		if st.StartedAt == nil {
			ts := timestampOf(now)
			st.StartedAt = &ts
		}
		ended := timestampOf(now)
		st.EndedAt = &ended
		st.IsDone = true
		st.Status = s.l.End
		reason := map[models.TaskState]string{"completed": "completed", "aborted": "run_aborted", "failed": "error"}[s.l.End]
		st.DoneReason = &reason
		st.TotalResults = s.l.Results
		if s.l.End != "completed" {
			st.TotalResults = s.l.Results / 2
		}
		st.TotalPages = pagesFor(st.TotalResults)
		if s.l.End == "failed" {
			st.HasErrors = true
			st.Errors = json.RawMessage(`{"message":"The crawler failed on this task."}`)
		}
	}
}

// pagesFor is how many pages of 25 results hold n results.
func pagesFor(n int) int { return (n + 24) / 25 }
