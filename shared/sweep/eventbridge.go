package sweep

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
)

// EventBridge publishes sweep events to an event bus: source "tollgate",
// detail-type the event type, detail the event. Only the sweeper links it:
// no store or handler imports this package.
type EventBridge struct {
	client *eventbridge.Client
	bus    string
}

// NewEventBridge returns a publisher to the named bus ("" for the default)
// through awsCfg, the process's AWS configuration.
func NewEventBridge(awsCfg aws.Config, bus string) *EventBridge {
	return &EventBridge{client: eventbridge.NewFromConfig(awsCfg), bus: bus}
}

// Publish sends events, ten to a call (EventBridge's limit); any entry it
// refuses is an error, so the sweep retries on its next run.
func (p *EventBridge) Publish(ctx context.Context, events []Event) error {
	for start := 0; start < len(events); start += 10 {
		batch := events[start:min(start+10, len(events))]
		entries := make([]ebtypes.PutEventsRequestEntry, len(batch))
		for i, e := range batch {
			detail, err := json.Marshal(e)
			if err != nil {
				return err
			}
			entries[i] = ebtypes.PutEventsRequestEntry{Source: aws.String("tollgate"), DetailType: aws.String(e.Type),
				Detail: aws.String(string(detail)), Time: aws.Time(e.Time)}
			if p.bus != "" {
				entries[i].EventBusName = aws.String(p.bus)
			}
		}
		out, err := p.client.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
		if err != nil {
			return fmt.Errorf("publishing events: %w", err)
		}
		if out.FailedEntryCount > 0 {
			return fmt.Errorf("publishing events: %d of %d refused", out.FailedEntryCount, len(entries))
		}
	}
	return nil
}
