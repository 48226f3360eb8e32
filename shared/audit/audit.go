package audit

import (
	"context"
	"time"

	"github.com/tollgate/tollgate/shared/credential"
	"github.com/tollgate/tollgate/shared/id"
)

// Actions.
const (
	UserCreate           = "user.create"
	UserUpdate           = "user.update"
	UserDelete           = "user.delete"
	KeyCreate            = "key.create"
	KeyUpdate            = "key.update"
	KeyRotate            = "key.rotate"
	KeyRevoke            = "key.revoke"
	JWTCreate            = "jwt.create"
	JWTRevoke            = "jwt.revoke"
	RefreshCreate        = "refresh.create"
	RefreshRotate        = "refresh.rotate"
	RefreshReuseDetected = "refresh.reuse_detected"
	RefreshRevoke        = "refresh.revoke"
	ClientCreate         = "client.create"
	ClientRotateSecret   = "client.rotate_secret"
	ClientUpdate         = "client.update"
	ClientRevoke         = "client.revoke"
	CertificateBind      = "certificate.bind"
	CertificateRevoke    = "certificate.revoke"
	SASCreate            = "sas.create"
	SASRegenerate        = "sas.regenerate"
	SASUpdate            = "sas.update"
	CredentialExpired    = "credential.expired"
	CredentialLeaked     = "credential.leaked"
)

// Target is what a record is about: a user, or a credential.
type Target struct {
	Type string // "user", or the credential's credential.Type
	ID   string
}

// User is the target of a record about the user id.
func User(id string) Target { return Target{Type: "user", ID: id} }

// Credential is the target of a record about the credential id of type t.
func Credential(t credential.Type, id string) Target { return Target{Type: string(t), ID: id} }

// Sweeper is the actor of the expiry sweep's records.
const Sweeper = "tollgate-sweeper"

// Record is one audit record.
type Record struct {
	ID, ProjectID string
	Time          time.Time
	Actor         string
	Action        string
	TargetType    string // a Target's Type
	TargetID      string
	SourceIP      string
	RequestID     string
}

// New returns a record of action on target, with a new id, at now.
func New(projectID, actor, action string, target Target, sourceIP, requestID string, now time.Time) Record {
	return Record{ID: id.New("aud"), ProjectID: projectID, Time: now.UTC(), Actor: actor, Action: action,
		TargetType: target.Type, TargetID: target.ID, SourceIP: sourceIP, RequestID: requestID}
}

type ctxKey struct{}

// With returns ctx carrying r: the next change a store makes with that
// context writes r with it. A record without an Action is a template (who
// is asking, from where) that Retarget completes; stores write no template.
func With(ctx context.Context, r Record) context.Context { return context.WithValue(ctx, ctxKey{}, r) }

// From returns the record ctx carries for the store to write; false if
// there is none, or only a template.
func From(ctx context.Context) (Record, bool) {
	r, ok := ctx.Value(ctxKey{}).(Record)
	return r, ok && r.Action != ""
}

// Retarget returns ctx carrying a new record of action on target, built
// from the record (or template) ctx carries: same actor, source and
// request, new id and time. Without one, ctx is returned unchanged (the
// caller does not audit).
func Retarget(ctx context.Context, action string, target Target, now time.Time) context.Context {
	r, ok := ctx.Value(ctxKey{}).(Record)
	if !ok {
		return ctx
	}
	return With(ctx, New(r.ProjectID, r.Actor, action, target, r.SourceIP, r.RequestID, now))
}
