package devstack

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/tollgate/tollgate/shared/sweep"
)

// FileOutbox is the local stack's Publisher: it appends each event as a
// JSON line to a file (readable by its owner only) that a developer can
// read or tail.
type FileOutbox struct {
	Path string
	mu   sync.Mutex
}

// Publish appends events to the outbox file.
func (o *FileOutbox) Publish(_ context.Context, events []sweep.Event) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(o.Path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(o.Path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("opening the event outbox: %w", err)
	}
	enc := json.NewEncoder(f)
	for _, e := range events {
		if err := enc.Encode(e); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
