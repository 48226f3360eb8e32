package cli_test

import (
	"strings"
	"testing"
	"time"

	"github.com/tollgate/tollgate/shared/sas"
)

// sasScopes are the scopes of sam, who uses shared access signatures.
const sasScopes = `["sas:read","sas:write","echo:read"]`

func TestSASSignMatchesServer(t *testing.T) {
	url, admin := stack(t)
	_, key := issuer(t, url, admin, "sam", sasScopes)
	creds := api(t, 200, "GET", url+"/v1/sas", key, "")
	tm := newTerm(t)
	tm.env["KEY"] = key
	tm.ok("", "login", "--api-url", url, "--token-env", "KEY")

	expiry := time.Now().UTC().Add(time.Hour).Truncate(time.Minute).Format(time.RFC3339)
	for _, which := range []string{"primary", "secondary"} {
		server, _ := tm.ok("", "sas", "token", "--key", which, "--expiry", expiry)
		tm.env["SAS_KEY"] = creds[which+"Key"].(string)
		offline, _ := tm.ok("", "sas", "sign", "--id", creds["identifier"].(string), "--key-env", "SAS_KEY", "--expiry", expiry)
		if server != offline || !strings.HasPrefix(offline, sas.Scheme+" uid=") {
			t.Fatalf("%s: offline %q, server %q", which, offline, server)
		}
		fromStdin, _ := tm.ok(creds[which+"Key"].(string)+"\n", "sas", "sign", "--id", creds["identifier"].(string), "--key", "-", "--expiry", expiry)
		if fromStdin != offline {
			t.Fatalf("stdin key: %q", fromStdin)
		}
	}
	if code, _, _ := tm.run("", "sas", "sign", "--id", "x", "--key-env", "SAS_KEY", "--expiry", "tomorrow"); code != 2 {
		t.Fatalf("bad expiry: exit %d", code)
	}
}

func TestSASManage(t *testing.T) {
	url, admin := stack(t)
	_, key := issuer(t, url, admin, "sam", sasScopes)
	tm := loggedIn(t, url, key)

	first := tm.jsonOf("sas", "show")
	if first["enabled"] != true || first["primaryKey"] == nil {
		t.Fatalf("show = %v", first)
	}
	if out, _ := tm.ok("", "sas", "show"); !strings.Contains(out, "identifier") || !strings.Contains(out, first["identifier"].(string)) {
		t.Fatalf("show table = %q", out)
	}
	expiry := time.Now().UTC().Add(time.Hour).Truncate(time.Minute).Format(time.RFC3339)
	tokP, _ := tm.ok("", "sas", "token", "--key", "primary", "--expiry", expiry)
	tokS, _ := tm.ok("", "sas", "token", "--key", "secondary", "--expiry", expiry)
	sasWho := func(tok string) int { return whoamiStatus(t, url, "Authorization", strings.TrimSpace(tok)) }
	if sasWho(tokP) != 200 || sasWho(tokS) != 200 {
		t.Fatal("the SAS tokens do not work")
	}
	regen := tm.jsonOf("sas", "regenerate", "--key", "secondary")
	if regen["primaryKey"] != first["primaryKey"] || regen["secondaryKey"] == first["secondaryKey"] {
		t.Fatalf("regenerate = %v", regen)
	}
	if sasWho(tokS) != 401 || sasWho(tokP) != 200 {
		t.Fatal("after regenerating the secondary key")
	}
	if m := tm.jsonOf("sas", "disable"); m["enabled"] != false {
		t.Fatalf("disable = %v", m)
	}
	if sasWho(tokP) != 401 {
		t.Fatal("a disabled SAS works")
	}
	if code, _, _ := tm.run("", "sas", "token", "--key", "primary", "--expiry", expiry); code != 1 {
		t.Fatalf("token while disabled: exit %d", code)
	}
	if m := tm.jsonOf("sas", "enable"); m["enabled"] != true {
		t.Fatalf("enable = %v", m)
	}
	if sasWho(tokP) != 200 {
		t.Fatal("an enabled SAS does not work")
	}
	if code, _, _ := tm.run("", "sas", "regenerate", "--key", "tertiary"); code != 2 {
		t.Fatalf("bad --key: exit %d", code)
	}
}
