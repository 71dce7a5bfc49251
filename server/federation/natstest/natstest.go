// Package natstest runs NATS servers with JetStream in the test process: a
// cluster on loopback whose nodes a test stops and starts again, as the
// city's cluster would lose and regain a machine.
package natstest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Cluster is a NATS cluster of in-process servers with JetStream.
type Cluster struct {
	dir   string
	mu    sync.Mutex
	opts  []*server.Options
	nodes []*server.Server // nil while a node is stopped
}

// Start starts n servers (1, 3 or 5) keeping their JetStream files under dir
// and waits until JetStream has a leader. Stop them with Shutdown.
func Start(dir string, n int) (*Cluster, error) { return StartWith(dir, n, nil) }

// StartWith starts a cluster as Start does, after configure changed each
// node's options (accounts, users and their permissions, a leaf node port).
func StartWith(dir string, n int, configure func(node int, o *server.Options)) (*Cluster, error) {
	ports, err := freePorts(2 * n)
	if err != nil {
		return nil, err
	}
	c := &Cluster{dir: dir}
	var routes []string
	for i := range n {
		routes = append(routes, fmt.Sprintf("nats://127.0.0.1:%d", ports[n+i]))
	}
	for i := range n {
		o := &server.Options{
			ServerName: fmt.Sprintf("n%d", i+1),
			Host:       "127.0.0.1", Port: ports[i],
			JetStream: true, StoreDir: filepath.Join(dir, fmt.Sprintf("n%d", i+1)),
			JetStreamMaxMemory: 64 << 20, JetStreamMaxStore: 4 << 30,
			NoLog: true, NoSigs: true,
			MaxPayload: 1 << 20,
		}
		if n > 1 {
			// Clients keep to the URLs they were given: a test cuts a link
			// by cutting the relay in front of a node.
			o.Cluster = server.ClusterOpts{Name: "city", Host: "127.0.0.1", Port: ports[n+i], NoAdvertise: true}
			o.Routes = server.RoutesFromStr(strings.Join(routes, ","))
		}
		if configure != nil {
			configure(i, o)
		}
		c.opts = append(c.opts, o)
		c.nodes = append(c.nodes, nil)
	}
	for i := range n {
		if err := c.start(i); err != nil {
			c.Shutdown()
			return nil, err
		}
	}
	if err := c.WaitReady(60 * time.Second); err != nil {
		c.Shutdown()
		return nil, err
	}
	return c, nil
}

func freePorts(n int) ([]int, error) {
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	var ports []int
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

func (c *Cluster) start(i int) error {
	o := *c.opts[i]
	s, err := server.NewServer(&o)
	if err != nil {
		return fmt.Errorf("natstest: node %d: %w", i+1, err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return fmt.Errorf("natstest: node %d did not start", i+1)
	}
	c.mu.Lock()
	c.nodes[i] = s
	c.mu.Unlock()
	return nil
}

// WaitReady waits until the running nodes agree on a JetStream meta leader.
func (c *Cluster) WaitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		c.mu.Lock()
		nodes := append([]*server.Server(nil), c.nodes...)
		c.mu.Unlock()
		for _, s := range nodes {
			if s == nil {
				continue
			}
			if len(nodes) == 1 && s.JetStreamEnabled() {
				return nil
			}
			if s.JetStreamIsLeader() {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("natstest: JetStream elected no leader")
}

// URLs are the client URLs of every node, running or not, joined by commas
// as nats.Connect takes them.
func (c *Cluster) URLs() string {
	var us []string
	for _, o := range c.opts {
		us = append(us, fmt.Sprintf("nats://127.0.0.1:%d", o.Port))
	}
	return strings.Join(us, ",")
}

// URL is the client URL of node i (0-based).
func (c *Cluster) URL(i int) string { return fmt.Sprintf("nats://127.0.0.1:%d", c.opts[i].Port) }

// Stop shuts node i down, keeping its files.
func (c *Cluster) Stop(i int) {
	c.mu.Lock()
	s := c.nodes[i]
	c.nodes[i] = nil
	c.mu.Unlock()
	if s != nil {
		s.Shutdown()
		s.WaitForShutdown()
	}
}

// Restart starts node i again from its files.
func (c *Cluster) Restart(i int) error { return c.start(i) }

// Shutdown stops every node and removes their files.
func (c *Cluster) Shutdown() {
	for i := range c.nodes {
		c.Stop(i)
	}
	os.RemoveAll(c.dir)
}

// Node returns node i's server, nil while it is stopped.
func (c *Cluster) Node(i int) *server.Server {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.nodes[i]
}

// StartServer starts one server from a configuration text (as nats-server
// -c reads it) and waits until it takes connections: a hall's leaf node in
// tests. Shut it down with Shutdown.
func StartServer(config string) (*server.Server, error) {
	o := &server.Options{}
	if err := o.ProcessConfigString(config); err != nil {
		return nil, fmt.Errorf("natstest: configuration: %w", err)
	}
	o.NoLog, o.NoSigs = true, true
	s, err := server.NewServer(o)
	if err != nil {
		return nil, fmt.Errorf("natstest: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return nil, errors.New("natstest: the server did not start")
	}
	return s, nil
}
