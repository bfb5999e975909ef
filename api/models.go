package api

import (
	"github.com/lobstr-go/lobstr/gen/models"
	"github.com/lobstr-go/lobstr/types"
)

// The models are the generated ones, so the OpenAPI document stays their only definition.
type (
	// Task is one input of a squid with its execution status, as Get Task returns it.
	Task = models.Task
	// TaskStatus is the execution status of a Task.
	TaskStatus = models.TaskStatus
	// TaskState is where a task is in its life: pending, running, completed, aborted, failed.
	TaskState = models.TaskState
	// TaskSummary is a task as List Tasks shows it.
	TaskSummary = models.TaskSummary
	// TaskPage is one page of List Tasks, in the API's pagination envelope.
	TaskPage = models.TaskPage
	// AddTasksResult is what Add Tasks did: the tasks added and how many were duplicates.
	AddTasksResult = models.AddTasksResult
	// AddedTask is one task as Add Tasks returns it.
	AddedTask = models.AddedTask
	// DeletedTask is what Delete Task did.
	DeletedTask = models.DeletedTask
	// Upload is a task upload: Upload Tasks returns its id, Check Upload Status its state
	// and, once known, its row counts.
	Upload = models.Upload
	// UploadState is where the processing of an upload is: PENDING, PROGRESS, SUCCESS, FAILURE.
	UploadState = models.UploadState
	// UploadMeta holds the row counts of a finished upload.
	UploadMeta = models.UploadMeta
	// Params are a task's parameters; their keys depend on the squid's crawler.
	Params = models.Params
	// Run is one execution of a squid's tasks (Start Run, Get Run, List Runs, Abort Run).
	Run = models.Run
	// RunPage is one page of List Runs, newest first.
	RunPage = models.RunPage
	// RunStats is the live progress of a run (Get Run Stats).
	RunStats = models.RunStats
	// RunTask is one task as a run executed it, with its outcome in the run (Get Run Tasks).
	RunTask = models.RunTask
	// RunTaskPage is one page of Get Run Tasks.
	RunTaskPage = models.RunTaskPage
	// RunDownload is Download Run's answer: the signed URL of the export file.
	RunDownload = models.RunDownload
	// RunDuration is how long a run lasted: seconds or a timedelta text, kept as sent.
	RunDuration = models.RunDuration
	// FileFormat is the format of a run's export file: csv, json, jsonl or xlsx.
	FileFormat = models.FileFormat
	// Result is one scraped row: every column as the JSON it came in (see DecodeResult).
	Result = models.Result
	// ResultPage is one page of Get Results.
	ResultPage = models.ResultPage
	// Timestamp is a moment in either of the API's two timestamp forms.
	Timestamp = types.Timestamp
	// Module is a crawler module id, an integer or a string.
	Module = types.Module
)

// The task states, re-exported from gen.
const (
	TaskPending   = models.Pending
	TaskRunning   = models.Running
	TaskCompleted = models.Completed
	TaskAborted   = models.Aborted
	TaskFailed    = models.Failed
)

// The export file formats Download Run documents, re-exported from gen.
const (
	FormatCSV   = models.FileFormatCSV
	FormatJSON  = models.FileFormatJSON
	FormatJSONL = models.FileFormatJSONL
	FormatXLSX  = models.FileFormatXLSX
)

// The upload states, re-exported from gen.
const (
	UploadPending  = models.PENDING
	UploadProgress = models.PROGRESS
	UploadSuccess  = models.SUCCESS
	UploadFailure  = models.FAILURE
)

// The models of the user, crawlers and squids.
type (
	// User is the profile of the token's owner (User.Me).
	User = models.User
	// Balance is the active plan's credits and concurrency slots (User.Balance).
	Balance = models.Balance
	// Crawler is a ready-made scraper of the catalogue (Crawlers.List, Crawlers.Get).
	Crawler = models.Crawler
	// CrawlerPage is one page of List Crawlers, in the API's pagination envelope.
	CrawlerPage = models.CrawlerPage
	// CrawlerAccount is the kind of platform account a crawler needs to run.
	CrawlerAccount = models.CrawlerAccount
	// CrawlerCookie is a cookie an account of a crawler's account type must provide.
	CrawlerCookie = models.CrawlerCookie
	// CrawlerInput is one input of a crawler, as Get Crawler Details lists it.
	CrawlerInput = models.CrawlerInput
	// CrawlerChain is a crawler that a crawler's results can be chained into.
	CrawlerChain = models.CrawlerChain
	// WorkerStats are throughput figures of a crawler's workers.
	WorkerStats = models.WorkerStats
	// CrawlerParams are the parameters a crawler accepts (Crawlers.Params): task keys and squid settings.
	CrawlerParams = models.CrawlerParams
	// CrawlerParam is one parameter of a crawler: type, default, allowed values, whether required.
	CrawlerParam = models.CrawlerParam
	// CrawlerSquidParams are a crawler's squid settings, keyed by name, and its paid add-ons (Functions).
	CrawlerSquidParams = models.CrawlerSquidParams
	// CrawlerFunction is a paid add-on of a crawler, switched on in a squid's params.functions.
	CrawlerFunction = models.CrawlerFunction
	// CrawlerAttribute is one column of a crawler's results (Crawlers.Attributes).
	CrawlerAttribute = models.CrawlerAttribute
	// CrawlerAttributeList is the answer of Get Crawler Attributes: the columns under data.
	CrawlerAttributeList = models.CrawlerAttributeList
	// Squid is a user's scraping project: one crawler with its settings and tasks (Squids.Get).
	Squid = models.Squid
	// SquidPage is one page of List Squids, in the API's pagination envelope.
	SquidPage = models.SquidPage
	// SquidParams are a squid's settings for its crawler (see Crawlers.Params), functions included.
	SquidParams = models.SquidParams
	// SquidUpdate is the body of Squids.Update: only the fields set (non-nil, present) are sent.
	SquidUpdate = models.SquidUpdate
	// UpdatedSquid is what Update Squid answers: the settings sent, echoed.
	UpdatedSquid = models.UpdatedSquid
	// CreatedSquid is a squid as Create Squid answers it, with fewer fields than Squid.
	CreatedSquid = models.CreatedSquid
	// EmptiedSquid is what Squids.Empty did: how many tasks were deleted.
	EmptiedSquid = models.EmptiedSquid
	// DeletedSquid is what Squids.Delete did.
	DeletedSquid = models.DeletedSquid
	// NotificationParams are a squid's email notification settings.
	NotificationParams = models.NotificationParams
	// RunNotify says when a squid's runs send an email: on_success or on_error.
	RunNotify = models.RunNotify
	// TaskKind is a kind of task: url (built from a URL) or params (built from parameters).
	TaskKind = models.TaskKind
)

// The values of RunNotify and TaskKind, re-exported from gen.
const (
	RunNotifyOnSuccess = models.RunNotifyOnSuccess
	RunNotifyOnError   = models.RunNotifyOnError
	TaskKindURL        = models.TaskKindURL
	TaskKindParams     = models.TaskKindParams
)
