// Package chat posts the short chat rendering of a digest through shoutrrr
// (Slack, Discord, Telegram, ntfy, Teams, generic webhooks). Errors never
// quote the service URL's secrets.
package chat
