// Package secret keeps the secrets of a config (tokens, passwords, the
// values of ${VAR} references) out of every text that storywatch stores,
// prints or logs. Remote servers and libraries echo what they were sent: a
// webhook's error page quotes the request line with its token, an SMTP
// server quotes the AUTH line with the base64 of the password. A Set
// removes each secret in the forms it travels in: as written,
// percent-encoded and base64-encoded at any alignment. It is applied once,
// where an error text leaves for the database, the terminal or the log
// (docs/security.md).
package secret
