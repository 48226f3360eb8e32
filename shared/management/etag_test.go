package management_test

import (
	"net/http"
	"strings"
	"testing"
)

// taggedCase is one resource with an entity tag: made by create (which
// returns the path parameter's value), read by get, changed by each of
// changes in turn.
type taggedCase struct {
	name    string
	who     string
	opts    []fixtureOption
	create  func(t *testing.T, f *fixture) string
	get     func(id string) request
	changes []func(id string) request
}

func createdID(field, resource, body string) func(t *testing.T, f *fixture) string {
	return func(t *testing.T, f *fixture) string {
		return f.create(t, "alice", resource, body).str(t, field)
	}
}

func withBody(r request, body string) request {
	r.body = body
	return r
}

var taggedCases = []taggedCase{
	{name: "user", who: "admin",
		create: func(t *testing.T, f *fixture) string {
			return f.create(t, "admin", "/v1/users", `{"username":"dora","roles":[],"scopes":["echo:read"]}`).str(t, "userId")
		},
		get: func(id string) request { return userReq("GET", id, "") },
		changes: []func(string) request{
			func(id string) request { return userReq("PATCH", id, `{"disabled":true}`) },
			func(id string) request { return userReq("PATCH", id, `{"scopes":["echo:write"]}`) },
			func(id string) request { return userReq("DELETE", id, "") },
		}},
	{name: "key", who: "alice",
		create: createdID("keyId", "/v1/keys", `{"name":"ci","scopes":["echo:read"]}`),
		get:    func(id string) request { return keyReq("GET", id, "") },
		changes: []func(string) request{
			func(id string) request { return keyReq("PATCH", id, `{"name":"renamed"}`) },
			func(id string) request { return keyReq("PATCH", id, `{"quota":{"limit":10}}`) },
			func(id string) request { return keyReq("PATCH", id, `{"quota":{"remaining":5}}`) },
			func(id string) request { return keyReq("POST", id, `{"overlapSeconds":60}`) },
			func(id string) request { return keyReq("DELETE", id, "") },
		}},
	{name: "client", who: "alice",
		create: createdID("clientId", "/v1/clients", `{"name":"svc","scopes":["echo:read"]}`),
		get:    func(id string) request { return clientReq("GET", id) },
		changes: []func(string) request{
			func(id string) request {
				return withBody(clientReq("PATCH", id), `{"rateLimit":{"limit":10,"windowSeconds":60}}`)
			},
			secretReq,
			func(id string) request { return clientReq("DELETE", id) },
		}},
	{name: "personal JWT", who: "alice",
		create:  createdID("tokenId", "/v1/tokens/jwt", `{"name":"laptop","scopes":["echo:read"]}`),
		get:     func(id string) request { return jwtReq("GET", id) },
		changes: []func(string) request{func(id string) request { return jwtReq("DELETE", id) }}},
	{name: "refresh family", who: "alice",
		create:  createdID("tokenId", "/v1/tokens/refresh", `{"name":"cli","scopes":["echo:read"]}`),
		get:     func(id string) request { return refreshReq("GET", id) },
		changes: []func(string) request{func(id string) request { return refreshReq("DELETE", id) }}},
	{name: "certificate", who: "admin", opts: []fixtureOption{sasCertUsers},
		create: func(t *testing.T, f *fixture) string {
			r := f.send(t, "admin", certReq("PUT", "{dave}", certBody(certPEM(makeCert(t, certSpec{})))))
			r.want(t, http.StatusCreated, "")
			return "{dave}"
		},
		get:     func(id string) request { return certReq("GET", id, "") },
		changes: []func(string) request{func(id string) request { return certReq("DELETE", id, "") }}},
	{name: "SAS credential", who: "dave", opts: []fixtureOption{sasCertUsers},
		create: func(t *testing.T, f *fixture) string {
			f.send(t, "dave", sasReq("GET", "")).want(t, http.StatusOK, "")
			return ""
		},
		get: func(string) request { return sasReq("GET", "") },
		changes: []func(string) request{
			func(string) request { return sasReq("POST", `{"key":"secondary"}`) },
			func(string) request { return sasReq("PATCH", `{"enabled":false}`) },
			func(string) request { return sasReq("POST", `{"key":"primary"}`) },
		}},
}

func sasReq(method, body string) request {
	resource := "/v1/sas"
	if method == http.MethodPost {
		resource += "/regenerate"
	}
	return request{method: method, resource: resource, body: body}
}

// TestEntityTags: every single-resource GET answers a strong ETag that
// stays while the resource does and changes with it; every change takes
// If-Match, and one that does not match (a stale tag, a weak tag) is 412
// and changes nothing, which send checks; for a resource that is gone the
// answer is what it would be without If-Match (RFC 9110 §13.2.1).
func TestEntityTags(t *testing.T) {
	for _, tc := range taggedCases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.opts...)
			id := tc.create(t, f)
			tag := f.etag(t, tc.who, tc.get(id))
			if again := f.etag(t, tc.who, tc.get(id)); again != tag {
				t.Fatalf("ETag changed without a change: %s, then %s", tag, again)
			}
			for _, change := range tc.changes {
				req := change(id)
				for _, bad := range []string{`"stale"`, "W/" + tag, `"` + strings.Trim(tag, `"`) + `x"`} {
					f.send(t, tc.who, ifMatch(req, bad)).want(t, http.StatusPreconditionFailed, "")
				}
				r := f.send(t, tc.who, ifMatch(req, `"other", `+tag))
				if r.StatusCode < 200 || r.StatusCode > 299 {
					t.Fatalf("%s %s with the current tag = %d: %s", req.method, req.resource, r.StatusCode, r.Body)
				}
				if sent := r.Headers["ETag"]; sent != "" && sent != f.etag(t, tc.who, tc.get(id)) {
					t.Errorf("%s answered ETag %s, unlike its GET", req.method, sent)
				}
				got := f.send(t, tc.who, tc.get(id))
				if got.StatusCode != http.StatusOK {
					// Gone: the answer is what it would be without If-Match.
					f.send(t, tc.who, ifMatch(req, tag)).want(t, got.StatusCode, "")
					continue
				}
				f.send(t, tc.who, ifMatch(req, tag)).want(t, http.StatusPreconditionFailed, "")
				if got.Headers["ETag"] == tag {
					t.Fatalf("%s %s left the ETag at %s", req.method, req.resource, tag)
				}
				tag = got.Headers["ETag"]
			}
		})
	}
}

// etag GETs r as who and returns its strong ETag.
func (f *fixture) etag(t *testing.T, who string, r request) string {
	t.Helper()
	got := f.send(t, who, r)
	got.want(t, http.StatusOK, "")
	tag := got.Headers["ETag"]
	if len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' || strings.ContainsAny(tag[1:len(tag)-1], `" `) {
		t.Fatalf("GET %s: ETag %q is not a strong entity tag", r.resource, tag)
	}
	return tag
}

func ifMatch(r request, tags string) request {
	r.headers = map[string]string{"If-Match": tags}
	return r
}

// TestIfMatchOnAbsent: an If-Match (even "*") names a resource that must
// exist: a SAS credential is not made on the way, a certificate PUT with
// nothing bound is 412, and with one bound a matching tag still meets the
// one-certificate rule (409).
func TestIfMatchOnAbsent(t *testing.T) {
	f := newFixture(t, sasCertUsers)
	f.send(t, "dave", ifMatch(sasReq("POST", `{"key":"primary"}`), "*")).want(t, http.StatusPreconditionFailed, "")
	f.send(t, "dave", ifMatch(sasReq("PATCH", `{"enabled":false}`), "*")).want(t, http.StatusPreconditionFailed, "")
	put := certReq("PUT", "{dave}", certBody(certPEM(makeCert(t, certSpec{}))))
	f.send(t, "admin", ifMatch(put, "*")).want(t, http.StatusPreconditionFailed, "")
	f.send(t, "admin", put).want(t, http.StatusCreated, "")
	tag := f.etag(t, "admin", certReq("GET", "{dave}", ""))
	f.send(t, "admin", ifMatch(put, `"stale"`)).want(t, http.StatusPreconditionFailed, "")
	f.send(t, "admin", ifMatch(put, tag)).want(t, http.StatusConflict, "")
}
