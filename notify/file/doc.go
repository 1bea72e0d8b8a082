// Package file writes each digest's renderings and charts into a folder,
// every file atomically (a temporary name, then a rename).
package file
