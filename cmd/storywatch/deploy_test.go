package main

import (
	"bytes"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
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

// TestComposeRunsReplicasOnPostgreSQL reads compose.yaml's replicas
// profile as `docker compose --profile replicas up` would use it (no Docker
// engine runs the tests): a postgres:15 service with its data on a named
// volume and a health check, and at least two replicas of the storywatch
// image that wait for it, mount examples/replicas as the config folder and
// give the driver the password; that config loads and names PostgreSQL.
func TestComposeRunsReplicasOnPostgreSQL(t *testing.T) {
	t.Parallel()
	repo := "../.."
	b, err := os.ReadFile(filepath.Join(repo, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	type service struct {
		Image       string            `yaml:"image"`
		Build       string            `yaml:"build"`
		Profiles    []string          `yaml:"profiles"`
		Volumes     []string          `yaml:"volumes"`
		Environment map[string]string `yaml:"environment"`
		Healthcheck struct {
			Test []string `yaml:"test"`
		} `yaml:"healthcheck"`
		Deploy struct {
			Replicas int `yaml:"replicas"`
		} `yaml:"deploy"`
		DependsOn map[string]struct {
			Condition string `yaml:"condition"`
		} `yaml:"depends_on"`
	}
	var compose struct {
		Services map[string]service `yaml:"services"`
		Volumes  map[string]any     `yaml:"volumes"`
	}
	if err := yaml.Unmarshal(b, &compose); err != nil {
		t.Fatal(err)
	}
	pg, ok := compose.Services["postgres"]
	if !ok {
		t.Fatal("compose.yaml has no postgres service")
	}
	if pg.Image != "postgres:15" || len(pg.Healthcheck.Test) == 0 || !slices.Contains(pg.Profiles, "replicas") {
		t.Errorf("postgres service: image %q, health check %v, profiles %v; want postgres:15, a health check, the replicas profile",
			pg.Image, pg.Healthcheck.Test, pg.Profiles)
	}
	if len(pg.Volumes) == 0 || !strings.HasSuffix(pg.Volumes[0], ":/var/lib/postgresql/data") {
		t.Errorf("postgres keeps its data on %v, want a volume at /var/lib/postgresql/data", pg.Volumes)
	} else if _, named := compose.Volumes[strings.Split(pg.Volumes[0], ":")[0]]; !named {
		t.Errorf("postgres volume %s is not a named volume", pg.Volumes[0])
	}
	rep, ok := compose.Services["replica"]
	if !ok {
		t.Fatal("compose.yaml has no replica service")
	}
	if rep.Deploy.Replicas < 2 || rep.DependsOn["postgres"].Condition != "service_healthy" || rep.Image != compose.Services["storywatch"].Image {
		t.Errorf("replica service: %d replicas, depends on postgres %+v, image %q; want at least 2 of the storywatch image, started once postgres is healthy",
			rep.Deploy.Replicas, rep.DependsOn["postgres"], rep.Image)
	}
	if _, ok := rep.Environment["PGPASSWORD"]; !ok {
		t.Error("the replicas are given no PGPASSWORD")
	}
	var mounted string
	for _, v := range rep.Volumes {
		if parts := strings.Split(v, ":"); len(parts) >= 2 && parts[1] == "/etc/storywatch" {
			mounted = parts[0]
		}
	}
	if mounted != "./examples/replicas" {
		t.Fatalf("the replicas mount %q at /etc/storywatch, want ./examples/replicas", mounted)
	}
	env := map[string]string{"STORYWATCH_LISTEN": "0.0.0.0:8080"}
	c, err := config.Load(filepath.Join(repo, mounted, "config.yaml"), func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the replicas' config does not load: %v", err)
	}
	u, err := url.Parse(c.Database)
	if err != nil || u.Scheme != "postgres" {
		t.Fatalf("the replicas' database is %q, want a postgres:// URL", c.Database)
	}
	if _, has := u.User.Password(); has {
		t.Errorf("the replicas' database URL holds a password; PGPASSWORD carries it")
	}
}
