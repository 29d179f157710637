package notify

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
)

// param is one "name=value" line of a gateway's parameters.
type param struct{ name, value string }

// parseParams reads the gateway's parameters: one "name=value" a line,
// blank lines ignored.
func parseParams(s string) ([]param, error) {
	var out []param
	for line := range strings.Lines(s) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		name = strings.TrimSpace(name)
		if !ok || !paramName.MatchString(name) {
			return nil, fmt.Errorf("notify: bad parameter line %q", line)
		}
		out = append(out, param{name, strings.TrimSpace(value)})
	}
	return out, nil
}

// sendSMS makes the gateway's request for n and reads its answer.
func (s *Service) sendSMS(ctx context.Context, st Settings, n Notification) result {
	vals := map[string]string{"phone": strings.TrimPrefix(n.Recipient, "+"), "phone_plus": n.Recipient, "text": n.Body,
		"sender": st.SMSSender, "api_key": st.SMSAPIKey}
	params, err := parseParams(st.SMSParams)
	if err != nil {
		return result{reason: ReasonGateway, answer: "parameters: " + err.Error()}
	}
	// In the URL each value is escaped for where it goes.
	escaped := map[string]string{}
	for k, v := range vals {
		escaped[k] = url.QueryEscape(v)
	}
	u, err := url.Parse(fill(st.SMSURL, escaped))
	if err != nil {
		return result{reason: ReasonGateway, answer: "URL: " + err.Error()}
	}
	form := url.Values{}
	for _, p := range params {
		form.Add(p.name, fill(p.value, vals))
	}
	var req *http.Request
	if st.SMSMethod == "GET" {
		q := u.Query()
		for k, vs := range form {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
		req, err = http.NewRequestWithContext(ctx, "GET", u.String(), nil)
	} else {
		req, err = http.NewRequestWithContext(ctx, "POST", u.String(), strings.NewReader(form.Encode()))
		if err == nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
	}
	if err != nil {
		return result{reason: ReasonGateway, answer: "request: " + err.Error()}
	}
	resp, err := s.http.Do(req)
	if err != nil {
		// No answer: the request may not have left, or left and the
		// answer was lost. A refused connection never reached the gateway.
		return result{reason: ReasonUnreachable, answer: hide(err.Error(), st.SMSAPIKey)}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	answer := hide(fmt.Sprintf("HTTP %d: %s", resp.StatusCode, strings.TrimSpace(string(body))), st.SMSAPIKey)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return result{reason: ReasonGateway, answer: answer}
	}
	if st.SMSSuccess != "" {
		re, err := regexp.Compile(st.SMSSuccess)
		if err != nil || !re.Match(body) {
			return result{reason: ReasonGateway, answer: answer}
		}
	}
	return result{ok: true, answer: answer}
}

// hide removes secret from text a provider or a library wrote (an error
// may quote the URL, which may carry the API key).
func hide(text, secret string) string {
	if secret == "" {
		return text
	}
	text = strings.ReplaceAll(text, secret, "***")
	return strings.ReplaceAll(text, url.QueryEscape(secret), "***")
}
