package main

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/storywatch/storywatch/config"
)

// TestComposeRunsTheExampleFromAFreshClone reads compose.yaml, the
// Dockerfile and the README as `docker compose up` and `docker run` would
// use them (no Docker engine runs the tests): the config folder they mount
// exists in the repository, is not Go source, holds the example config,
// and that config loads with the environment the image and compose give
// it, keeping its database on the /data volume.
func TestComposeRunsTheExampleFromAFreshClone(t *testing.T) {
	t.Parallel()
	repo := "../.."
	read := func(name string) []byte {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(repo, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	dockerfile := string(read("Dockerfile"))
	m := regexp.MustCompile(`STORYWATCH_CONFIG=(\S+)`).FindStringSubmatch(dockerfile)
	if m == nil {
		t.Fatal("the Dockerfile sets no STORYWATCH_CONFIG")
	}
	configDir, configFile := path.Split(m[1])
	configDir = strings.TrimSuffix(configDir, "/")

	var compose struct {
		Services map[string]struct {
			Volumes     []string          `yaml:"volumes"`
			Environment map[string]string `yaml:"environment"`
		} `yaml:"services"`
	}
	if err := yaml.Unmarshal(read("compose.yaml"), &compose); err != nil {
		t.Fatal(err)
	}
	svc, ok := compose.Services["storywatch"]
	if !ok {
		t.Fatal("compose.yaml has no storywatch service")
	}
	var mounted string
	for _, v := range svc.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) >= 2 && strings.HasPrefix(parts[0], "./") && parts[1] == configDir {
			mounted = parts[0]
		}
	}
	if mounted == "" {
		t.Fatalf("compose.yaml mounts no folder of the repository at %s: %v", configDir, svc.Volumes)
	}
	if gofiles, _ := filepath.Glob(filepath.Join(repo, mounted, "*.go")); len(gofiles) > 0 {
		t.Errorf("compose.yaml mounts %s, a folder of Go source, as the config folder", mounted)
	}
	deployed := read(filepath.Join(mounted, configFile))
	if !bytes.Equal(deployed, read("config.example.yaml")) {
		t.Errorf("%s/%s differs from config.example.yaml: copy it again (cp config.example.yaml %s/%s)", mounted, configFile, mounted, configFile)
	}
	if readme := string(read("README.md")); !strings.Contains(readme, `-v "$PWD/`+strings.TrimPrefix(mounted, "./")+`:`+configDir+`:ro"`) {
		t.Errorf("the README's docker run does not mount %s at %s", mounted, configDir)
	}

	// The environment in the container: the image's ENV, and compose's
	// variables, empty when the host does not set them.
	env := map[string]string{}
	for _, m := range regexp.MustCompile(`(STORYWATCH_[A-Z]+)=(\S+)`).FindAllStringSubmatch(dockerfile, -1) {
		env[m[1]] = m[2]
	}
	for k := range svc.Environment {
		env[k] = ""
	}
	c, err := config.Load(filepath.Join(repo, mounted, configFile), func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the deployed config does not load in the container's environment: %v", err)
	}
	if c.Database != "/data/storywatch.db" || c.Listen != "0.0.0.0:8080" {
		t.Errorf("in the container the database is %s and HTTP listens on %s, want /data/storywatch.db and 0.0.0.0:8080", c.Database, c.Listen)
	}
}
