package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"strconv"
	"time"
)

// smtpTimeout bounds one e-mail's conversation with the server.
const smtpTimeout = time.Minute

// sendEmail hands n to the member's SMTP server: STARTTLS, implicit TLS or
// plain as configured, authenticated when a user is set.
func (s *Service) sendEmail(ctx context.Context, st Settings, n Notification) result {
	ctx, cancel := context.WithTimeout(ctx, smtpTimeout)
	defer cancel()
	addr := net.JoinHostPort(st.SMTPHost, strconv.Itoa(st.SMTPPort))
	var conn net.Conn
	var err error
	if st.SMTPSecurity == "tls" {
		conn, err = (&tls.Dialer{Config: &tls.Config{ServerName: st.SMTPHost, MinVersion: tls.VersionTLS12}}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return result{reason: ReasonUnreachable, answer: err.Error()}
	}
	// The conversation stops with ctx: closing the connection ends any
	// read or write in flight.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	c, err := smtp.NewClient(conn, st.SMTPHost)
	if err != nil {
		conn.Close()
		return result{reason: ReasonUnreachable, answer: err.Error()}
	}
	defer c.Close()
	fail := func(err error) result {
		return result{reason: ReasonGateway, answer: hide(err.Error(), st.SMTPPassword)}
	}
	if st.SMTPSecurity == "starttls" {
		if err := c.StartTLS(&tls.Config{ServerName: st.SMTPHost, MinVersion: tls.VersionTLS12}); err != nil {
			return fail(err)
		}
	}
	if st.SMTPUser != "" {
		if err := c.Auth(smtp.PlainAuth("", st.SMTPUser, st.SMTPPassword, st.SMTPHost)); err != nil {
			return fail(err)
		}
	}
	from, err := mail.ParseAddress(st.SMTPFrom)
	if err != nil {
		return fail(err)
	}
	if err := c.Mail(from.Address); err != nil {
		return fail(err)
	}
	if err := c.Rcpt(n.Recipient); err != nil {
		return fail(err)
	}
	w, err := c.Data()
	if err != nil {
		return fail(err)
	}
	if _, err := w.Write(s.message(from, n)); err != nil {
		return fail(err)
	}
	// The server's answer to the message itself: a refusal (4xx, 5xx) is a
	// failure; a broken connection here may come after the server took it.
	if err := w.Close(); err != nil {
		var te *textproto.Error
		if errors.As(err, &te) {
			return fail(err)
		}
		return result{unsure: true, reason: ReasonUnreachable, answer: err.Error()}
	}
	_ = c.Quit()
	return result{ok: true, answer: "250 accepted by " + st.SMTPHost}
}

// message is n as an RFC 5322 message in UTF-8, its body in base64.
func (s *Service) message(from *mail.Address, n Notification) []byte {
	var b bytes.Buffer
	h := func(k, v string) { fmt.Fprintf(&b, "%s: %s\r\n", k, v) }
	h("From", from.String())
	h("To", n.Recipient)
	h("Subject", mime.QEncoding.Encode("utf-8", n.Subject))
	h("Date", s.now().Format(time.RFC1123Z))
	h("Message-ID", fmt.Sprintf("<notification-%d-%d@%s>", n.ID, n.Attempts, domain(from.Address)))
	h("MIME-Version", "1.0")
	h("Content-Type", `text/plain; charset="utf-8"`)
	h("Content-Language", n.Lang)
	h("Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(n.Body))
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\r\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\r\n")
	return b.Bytes()
}

func domain(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == '@' {
			return addr[i+1:]
		}
	}
	return "tadamun"
}
