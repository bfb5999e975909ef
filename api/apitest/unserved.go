package apitest

import (
	"context"
	"fmt"

	"github.com/lobstr-go/lobstr/gen"
)

// The operations below are in the OpenAPI document (user, crawlers, squids, runs, results) but
// the fake does not serve them yet: each answers 500 with a detail that names the operation, a
// shape the document allows. They exist so that the server still implements
// gen.StrictServerInterface; serving an operation replaces its method here.

// errNotServed is the error of an operation the fake does not serve yet.
func errNotServed(op string) error {
	return fmt.Errorf("%s is not served by the fake yet", op)
}

// GetMe is not served yet: see errNotServed.
func (s *server) GetMe(context.Context, gen.GetMeRequestObject) (gen.GetMeResponseObject, error) {
	return nil, errNotServed("GetMe")
}

// GetBalance is not served yet: see errNotServed.
func (s *server) GetBalance(context.Context, gen.GetBalanceRequestObject) (gen.GetBalanceResponseObject, error) {
	return nil, errNotServed("GetBalance")
}

// ListCrawlers is not served yet: see errNotServed.
func (s *server) ListCrawlers(context.Context, gen.ListCrawlersRequestObject) (gen.ListCrawlersResponseObject, error) {
	return nil, errNotServed("ListCrawlers")
}

// GetCrawler is not served yet: see errNotServed.
func (s *server) GetCrawler(context.Context, gen.GetCrawlerRequestObject) (gen.GetCrawlerResponseObject, error) {
	return nil, errNotServed("GetCrawler")
}

// GetCrawlerParams is not served yet: see errNotServed.
func (s *server) GetCrawlerParams(context.Context, gen.GetCrawlerParamsRequestObject) (gen.GetCrawlerParamsResponseObject, error) {
	return nil, errNotServed("GetCrawlerParams")
}

// GetCrawlerAttributes is not served yet: see errNotServed.
func (s *server) GetCrawlerAttributes(context.Context, gen.GetCrawlerAttributesRequestObject) (gen.GetCrawlerAttributesResponseObject, error) {
	return nil, errNotServed("GetCrawlerAttributes")
}

// ListSquids is not served yet: see errNotServed.
func (s *server) ListSquids(context.Context, gen.ListSquidsRequestObject) (gen.ListSquidsResponseObject, error) {
	return nil, errNotServed("ListSquids")
}

// CreateSquid is not served yet: see errNotServed.
func (s *server) CreateSquid(context.Context, gen.CreateSquidRequestObject) (gen.CreateSquidResponseObject, error) {
	return nil, errNotServed("CreateSquid")
}

// GetSquid is not served yet: see errNotServed.
func (s *server) GetSquid(context.Context, gen.GetSquidRequestObject) (gen.GetSquidResponseObject, error) {
	return nil, errNotServed("GetSquid")
}

// UpdateSquid is not served yet: see errNotServed.
func (s *server) UpdateSquid(context.Context, gen.UpdateSquidRequestObject) (gen.UpdateSquidResponseObject, error) {
	return nil, errNotServed("UpdateSquid")
}

// DeleteSquid is not served yet: see errNotServed.
func (s *server) DeleteSquid(context.Context, gen.DeleteSquidRequestObject) (gen.DeleteSquidResponseObject, error) {
	return nil, errNotServed("DeleteSquid")
}

// EmptySquid is not served yet: see errNotServed.
func (s *server) EmptySquid(context.Context, gen.EmptySquidRequestObject) (gen.EmptySquidResponseObject, error) {
	return nil, errNotServed("EmptySquid")
}

// ListRuns is not served yet: see errNotServed.
func (s *server) ListRuns(context.Context, gen.ListRunsRequestObject) (gen.ListRunsResponseObject, error) {
	return nil, errNotServed("ListRuns")
}

// StartRun is not served yet: see errNotServed.
func (s *server) StartRun(context.Context, gen.StartRunRequestObject) (gen.StartRunResponseObject, error) {
	return nil, errNotServed("StartRun")
}

// GetRun is not served yet: see errNotServed.
func (s *server) GetRun(context.Context, gen.GetRunRequestObject) (gen.GetRunResponseObject, error) {
	return nil, errNotServed("GetRun")
}

// GetRunStats is not served yet: see errNotServed.
func (s *server) GetRunStats(context.Context, gen.GetRunStatsRequestObject) (gen.GetRunStatsResponseObject, error) {
	return nil, errNotServed("GetRunStats")
}

// GetRunCredits is not served yet: see errNotServed.
func (s *server) GetRunCredits(context.Context, gen.GetRunCreditsRequestObject) (gen.GetRunCreditsResponseObject, error) {
	return nil, errNotServed("GetRunCredits")
}

// AbortRun is not served yet: see errNotServed.
func (s *server) AbortRun(context.Context, gen.AbortRunRequestObject) (gen.AbortRunResponseObject, error) {
	return nil, errNotServed("AbortRun")
}

// GetRunDownload is not served yet: see errNotServed.
func (s *server) GetRunDownload(context.Context, gen.GetRunDownloadRequestObject) (gen.GetRunDownloadResponseObject, error) {
	return nil, errNotServed("GetRunDownload")
}

// ListRunTasks is not served yet: see errNotServed.
func (s *server) ListRunTasks(context.Context, gen.ListRunTasksRequestObject) (gen.ListRunTasksResponseObject, error) {
	return nil, errNotServed("ListRunTasks")
}

// ListResults is not served yet: see errNotServed.
func (s *server) ListResults(context.Context, gen.ListResultsRequestObject) (gen.ListResultsResponseObject, error) {
	return nil, errNotServed("ListResults")
}
