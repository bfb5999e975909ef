package apitest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/lobstr-go/lobstr/gen/models"
	"github.com/lobstr-go/lobstr/openapi"
	"github.com/lobstr-go/lobstr/types"
)

// fixture returns a documented body the fake answers with, from the one copy the project
// keeps beside its document (openapi/fixtures).
func fixture(name string) []byte {
	b, err := openapi.Fixture(name)
	if err != nil {
		panic("apitest: " + err.Error())
	}
	return b
}

var (
	fixtureRateLimit = fixture("error.ratelimit.429.json")
)

// squid is a squid: its settings (squids.go), its tasks and its runs.
type squid struct {
	module string            // the crawler hash of its tasks
	order  []string          // task hashes, in the order they were added
	keys   map[string]string // digest of the params key (see paramsKey, keyOf) → task hash, to find duplicates
	squidSettings
}

// taskRecord is a task and how the fake shows it.
type taskRecord struct {
	squid   string
	task    models.Task
	summary *models.TaskSummary // what List Tasks shows, when it is not derived from task (a seed)
	life    *lifeState
	cost    int // what it counts against MaxStoredBytes (see storeCost)
}

func (t *taskRecord) listed() models.TaskSummary {
	if t.summary != nil {
		return *t.summary
	}
	return models.TaskSummary{Id: t.task.HashValue, CreatedAt: t.task.CreatedAt, IsActive: t.task.IsActive, Params: t.task.Params}
}

// seed loads the documented examples.
func (f *Fake) seed() {
	f.squids = map[string]*squid{}
	f.squidOrder = nil
	f.runs = map[string]*runRecord{}
	f.tasks = map[string]*taskRecord{}
	f.uploads = map[string]*upload{}
	f.stored = 0
	f.seedSquids()
	f.seedRuns()

	var page models.TaskPage
	mustDecode("list-tasks.200.json", &page)
	var seedTask models.Task
	mustDecode("get-task.200.json", &seedTask)

	sq := f.addSquid(SeedSquid)
	for _, s := range page.Data {
		rec := &taskRecord{squid: SeedSquid}
		if s.Id == seedTask.HashValue {
			rec.task = seedTask
			summary := s
			rec.summary = &summary
		} else {
			rec.task = completedTask(s)
		}
		key := paramsKey(s.Params)
		rec.cost = storeCost(key)
		f.stored += rec.cost
		f.tasks[s.Id] = rec
		sq.order = append(sq.order, s.Id)
		sq.keys[keyOf(key)] = s.Id
	}

	var up models.Upload
	mustDecode("upload-status.200.json", &up)
	meta, _ := up.Meta.Get()
	f.uploads[up.Id] = &upload{id: up.Id, squid: SeedSquid, checks: finishedAt, meta: meta, inserted: true}
}

// completedTask makes a plausible finished task of a listed one: the other seed task.
func completedTask(s models.TaskSummary) models.Task {
	started, _ := types.ParseTimestamp("2025-03-05T09:31:12.204512")
	ended, _ := types.ParseTimestamp("2025-03-05T09:32:40.918377")
	reason := "completed"
	return models.Task{
		HashValue: s.Id,
		CreatedAt: s.CreatedAt,
		IsActive:  s.IsActive,
		Params:    s.Params,
		Module:    types.ModuleInt(5),
		Object:    "task",
		Status: models.TaskStatus{
			Status:       "completed",
			StartedAt:    &started,
			EndedAt:      &ended,
			IsDone:       true,
			TotalResults: 42,
			TotalPages:   2,
			DoneReason:   &reason,
			Errors:       json.RawMessage("null"),
		},
	}
}

func mustDecode(name string, v any) {
	if err := json.Unmarshal(fixture(name), v); err != nil {
		panic(fmt.Sprintf("apitest: embedded fixture %s: %v", name, err))
	}
}

// addSquid returns the squid, made empty if it did not exist. f.mu is held.
func (f *Fake) addSquid(id string) *squid {
	if sq, ok := f.squids[id]; ok {
		return sq
	}
	sq := &squid{module: SeedModule, keys: map[string]string{}, squidSettings: newSettings(id, id, catalogue().byID[SeedModule], time.Now())}
	sq.paramsSaved = true
	f.squids[id] = sq
	f.squidOrder = append(f.squidOrder, id)
	return sq
}

// AddSquid makes an empty squid (a no-op if it exists) on the crawler SeedCrawlerID, named
// as its id, ready to run (its params count as saved). Its tasks get SeedModule as module.
func (f *Fake) AddSquid(squid string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.addSquid(squid)
}

// PutTask adds task to squid (made if needed), or replaces the task of the same hash,
// wherever it was; a replaced task keeps its place in its squid's list. List Tasks shows it
// as derived from task, and its lifecycle, if any, is dropped. Unlike Add Tasks, PutTask
// takes a task of any size, even past MaxTaskBytes or MaxStoredBytes: the test that puts
// it decides; it counts against MaxStoredBytes all the same.
func (f *Fake) PutTask(squidID string, task models.Task) {
	f.mu.Lock()
	defer f.mu.Unlock()
	hash := task.HashValue
	if old, ok := f.tasks[hash]; ok && old.squid != squidID {
		f.removeTask(hash)
	}
	sq := f.addSquid(squidID)
	if old, ok := f.tasks[hash]; ok {
		delete(sq.keys, keyOf(paramsKey(old.listed().Params)))
		f.stored -= old.cost
	} else {
		sq.order = append(sq.order, hash)
	}
	key := paramsKey(task.Params)
	rec := &taskRecord{squid: squidID, task: task, cost: storeCost(key)}
	f.stored += rec.cost
	f.tasks[hash] = rec
	sq.keys[keyOf(key)] = hash
}

// Task returns the task of that hash as Get Task shows it now (without advancing its
// lifecycle), and whether it exists.
func (f *Fake) Task(hash string) (models.Task, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	rec, ok := f.tasks[hash]
	if !ok {
		return models.Task{}, false
	}
	t := rec.task
	t.Params = maps.Clone(t.Params)
	return t, true
}

// Tasks returns the tasks of a squid as List Tasks shows them, in its order (nil for an
// unknown squid).
func (f *Fake) Tasks(squidID string) []models.TaskSummary {
	f.mu.Lock()
	defer f.mu.Unlock()
	sq, ok := f.squids[squidID]
	if !ok {
		return nil
	}
	out := make([]models.TaskSummary, 0, len(sq.order))
	for _, h := range sq.order {
		s := f.tasks[h].listed()
		s.Params = maps.Clone(s.Params)
		out = append(out, s)
	}
	return out
}

// removeTask deletes a task from its squid and the store. f.mu is held.
func (f *Fake) removeTask(hash string) bool {
	rec, ok := f.tasks[hash]
	if !ok {
		return false
	}
	delete(f.tasks, hash)
	f.stored -= rec.cost
	if sq, ok := f.squids[rec.squid]; ok {
		sq.order = slices.DeleteFunc(sq.order, func(h string) bool { return h == hash })
		key := keyOf(paramsKey(rec.listed().Params))
		if sq.keys[key] == hash {
			delete(sq.keys, key)
		}
	}
	return true
}

// newTask adds a task made from params to a squid, as Add Tasks and uploads do; key is
// paramsKey(params). The caller has checked the task against MaxTaskBytes and the room left
// under MaxStoredBytes. f.mu is held.
func (f *Fake) newTask(squidID string, sq *squid, params models.Params, key string) *taskRecord {
	hash := newHash()
	rec := &taskRecord{squid: squidID, task: models.Task{
		HashValue: hash,
		CreatedAt: now(),
		IsActive:  true,
		Params:    params,
		Module:    types.ModuleString(sq.module),
		Object:    "task",
		Status:    pendingStatus(),
	}, cost: storeCost(key)}
	if f.defaultLife != nil {
		rec.life = newLifeState(*f.defaultLife, time.Now())
	}
	f.tasks[hash] = rec
	f.stored += rec.cost
	sq.order = append(sq.order, hash)
	sq.keys[keyOf(key)] = hash
	return rec
}

func pendingStatus() models.TaskStatus {
	return models.TaskStatus{Status: "pending", Errors: json.RawMessage("null")}
}

// paramsKey is the identity of a task's params, for duplicates: JSON with sorted keys.
func paramsKey(p models.Params) string {
	b, err := json.Marshal(p)
	if err != nil {
		return fmt.Sprint(p)
	}
	return string(b)
}

// keyOf is the digest of a params key under which a squid indexes its tasks: 32 bytes
// whatever the size of the params, so the index does not hold a second copy of them.
func keyOf(key string) string {
	sum := sha256.Sum256([]byte(key))
	return string(sum[:])
}

// storeCost is what a task of params key counts against MaxStoredBytes.
func storeCost(key string) int { return len(key) + TaskOverhead }

// roomFor reports whether the fake can store tasks costing cost more bytes. f.mu is held.
func (f *Fake) roomFor(cost int) bool { return cost <= f.maxStored()-f.stored }

// maxStored is what the fake stores of tasks at most: MaxStoredBytes, unless a test of
// this package lowered it (storeCap).
func (f *Fake) maxStored() int {
	if f.storeCap > 0 {
		return f.storeCap
	}
	return MaxStoredBytes
}

// storeFullMessage is the detail of the 413 answered past maxStored. f.mu is held.
func (f *Fake) storeFullMessage() string {
	return "The fake stores at most " + strconv.Itoa(f.maxStored()) + " bytes of tasks: delete tasks or squids first."
}

// newHash returns 32 random lowercase hexadecimal characters.
func newHash() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// now returns the current time as lobstr.io writes it: UTC, no zone, microseconds.
func now() types.Timestamp { return timestampOf(time.Now()) }

func timestampOf(t time.Time) types.Timestamp {
	ts, err := types.ParseTimestamp(t.UTC().Format("2006-01-02T15:04:05.000000"))
	if err != nil {
		panic(err) // the layout is one ParseTimestamp reads
	}
	return ts
}
