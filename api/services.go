package api

// service is what every resource's service holds: the Client whose core (requests,
// retries, pacing, errors) it uses.
type service struct{ client *Client }

// UserService is the account of the token: its profile (Me) and its plan and credits
// (Balance). Use it as c.User.
type UserService service

// CrawlersService is lobstr's catalogue of ready-made scrapers: List, Get (by id or slug),
// Params and Attributes. Use it as c.Crawlers.
type CrawlersService service

// SquidsService is the Squids resource: a user's projects on one crawler (Create, Get,
// List, All, Update, Empty, Delete). Use it as c.Squids.
type SquidsService service

// TasksService is the Tasks resource: a squid's inputs (Get, List, All, Add, Delete), task
// files (Upload, UploadFile, UploadStatus) and waits (Wait, WaitUpload). Use it as c.Tasks.
type TasksService service

// RunsService is the Runs resource: executions of a squid's tasks (Start, Get, List, All,
// Stats, Abort, Wait, Tasks, AllTasks) and their export files (DownloadURL, Download). Use
// it as c.Runs.
type RunsService service

// ResultsService is the Results resource: the rows a run scraped (List, All). Use it as
// c.Results.
type ResultsService service

// AccountsService is the Accounts resource: the platform accounts whose cookies crawlers
// use. Use it as c.Accounts.
type AccountsService service

// DeliveryService configures where a squid's exports are delivered (email, Google Sheet,
// S3, SFTP, webhook) and tests those routes. Use it as c.Delivery.
type DeliveryService service
