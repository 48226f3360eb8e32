package cli

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tollgate/tollgate/shared/dpop"
)

// APIError is an error answer of the API: the problem's detail, the OAuth
// error_description, or API Gateway's message.
type APIError struct {
	Status int
	Msg    string
}

func (e *APIError) Error() string { return fmt.Sprintf("%s (HTTP %d)", e.Msg, e.Status) }

// apiError reads an error answer, keeping only its human text.
func apiError(status int, body []byte) error {
	var m struct {
		Detail           string `json:"detail"`
		Title            string `json:"title"`
		Error            string `json:"error"`
		ErrorDescription string `json:"error_description"`
		Message          string `json:"message"`
	}
	_ = json.Unmarshal(body, &m)
	msg := m.Detail
	for _, alt := range []string{m.ErrorDescription, m.Error, m.Message, m.Title, http.StatusText(status)} {
		if msg == "" {
			msg = alt
		}
	}
	return &APIError{Status: status, Msg: msg}
}

// tokenAnswer is a /oauth/token answer.
type tokenAnswer struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token"`
	Scope        string `json:"scope"`
}

// Session calls the API as one profile.
type Session struct {
	env     *Env
	path    string // the config file
	cfg     *Config
	name    string // the profile's name
	profile *Profile
	cert    *tls.Certificate // a private_key_jwt profile's, once loaded
	hc      *http.Client     // the client presenting it
	dpop    *dpop.Prover     // a refresh profile's DPoP key, once loaded
}

// token returns the credential for the next request, renewing the access
// token of an OAuth profile when less than env.RenewBefore is left; a
// refresh profile with a DPoP key proves it on every exchange.
//
// A refresh-token profile saves the rotated refresh token (and the new
// access token) to the config file before returning, so the new access
// token is never used before its refresh token is on disk. If the process
// dies between the exchange and the save, the file still holds the old
// refresh token; presented again within the server's grace period
// (TOLLGATE_REFRESH_GRACE, 10 s) it gets the same successor, so nothing is
// lost. Later than that, the server treats it as reuse and revokes the
// family: log in again.
func (s *Session) token(ctx context.Context) (string, error) {
	p := s.profile
	if p.Kind == KindToken {
		return p.Token, nil
	}
	now := s.env.now()
	if p.AccessToken != "" && now.Add(s.env.renewBefore()).Before(p.AccessTokenExpiresAt) {
		return p.AccessToken, nil
	}
	var form url.Values
	switch p.Kind {
	case KindRefresh:
		form = url.Values{"grant_type": {"refresh_token"}, "refresh_token": {p.RefreshToken}}
	case KindClient:
		form = url.Values{"grant_type": {"client_credentials"}, "client_id": {p.ClientID}, "client_secret": {p.ClientSecret}}
	case KindAssertion:
		var err error
		if form, err = s.assertionForm(); err != nil {
			return "", err
		}
	case KindPassword:
		if p.AccessToken != "" && now.Before(p.AccessTokenExpiresAt) {
			return p.AccessToken, nil // cannot renew without the password: use it to the end
		}
		return "", fmt.Errorf("the access token of profile %q has expired: run tollgate login again", s.name)
	default:
		return "", fmt.Errorf("profile %q has an unknown kind %q: run tollgate login again", s.name, p.Kind)
	}
	hc, err := s.client()
	if err != nil {
		return "", err
	}
	var prove func(*http.Request) error
	if p.Kind == KindRefresh {
		prove = func(req *http.Request) error { return s.prove(req, "") }
	}
	tok, err := s.env.exchange(ctx, hc, p.APIURL, form, prove)
	if err != nil {
		return "", err
	}
	if p.Kind == KindRefresh {
		if tok.RefreshToken == "" {
			return "", errors.New("the token endpoint returned no refresh token")
		}
		p.RefreshToken = tok.RefreshToken
	}
	p.AccessToken, p.AccessTokenExpiresAt = tok.AccessToken, now.Add(time.Duration(tok.ExpiresIn)*time.Second)
	p.TokenType = tok.TokenType
	if err := s.cfg.Save(s.path); err != nil {
		return "", fmt.Errorf("saving the renewed tokens: %w", err)
	}
	return p.AccessToken, nil
}

// exchange posts a form to the token endpoint; prove, when not nil, adds a
// DPoP proof to the request.
func (e *Env) exchange(ctx context.Context, hc *http.Client, apiURL string, form url.Values, prove func(*http.Request) error) (*tokenAnswer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(apiURL, "/")+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if prove != nil {
		if err := prove(req); err != nil {
			return nil, err
		}
	}
	var tok tokenAnswer
	if err := e.send(hc, req, &tok); err != nil {
		return nil, err
	}
	if tok.AccessToken == "" {
		return nil, errors.New("the token endpoint returned no access token")
	}
	return &tok, nil
}

// call sends a request to the API as the session's profile and decodes a
// JSON answer into out (nil: ignore the body).
func (s *Session) call(ctx context.Context, method, path string, body, out any) error {
	bearer, err := s.token(ctx)
	if err != nil {
		return err
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(s.profile.APIURL, "/")+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.profile.TokenType == dpop.Scheme {
		req.Header.Set("Authorization", dpop.Scheme+" "+bearer)
		if err := s.prove(req, bearer); err != nil {
			return err
		}
	} else {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	hc, err := s.client()
	if err != nil {
		return err
	}
	return s.env.send(hc, req, out)
}

// send does req and decodes a 2xx JSON answer into out.
func (e *Env) send(hc *http.Client, req *http.Request, out any) error {
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		return apiError(resp.StatusCode, raw)
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("reading the answer of %s %s: %w", req.Method, req.URL.Path, err)
	}
	return nil
}
