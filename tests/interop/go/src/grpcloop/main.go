// grpcloop: grpc-go's bidirectional streaming echo over a real loopback
// TCP connection, for make bench (figure 9): the reference for duplex's
// HTTP/2 wire on a loopback socket. The server and the client run in this
// one process, as the bench runs both ends of duplex's connection in its
// own, each on its own end of one 127.0.0.1 connection.
//
//	grpcloop [-n N] [-size B]
//
// One goroutine sends N messages of B bytes and then CloseSend; the
// server echoes each until io.EOF; the client receives until io.EOF and
// checks every echo's length (as the shared Go peers do). One untimed
// round trip first sets the connection up. It prints one line, as the
// shared Go peers do:
//
//	peer=grpc-loopback size=B msgs=N seconds=S msgs_per_s=R MBps=M transport=grpc-tcp-loopback codec=raw
//
// and exits 1 (with the reason on stderr) when a message was lost or an
// error came back.
//
// No protoc: the codec passes []byte through, registered as "proto",
// grpc-go's default, as in tests/interop/go/src/grpcpeer. Unmarshal keeps
// the slice grpc-go hands it (grpc-go 1.33 allocates one per message), as
// the shared Go peers' bufconn echo does, so the two grpc-go figures pay
// for the same copies.
//
// Build with Debian's packages, no modules (bench/go_loopback.sh does):
//
//	GO111MODULE=off GOPATH=tests/interop/go:/usr/share/gocode go build grpcloop
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
)

type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v interface{}) ([]byte, error) {
	if b, ok := v.(*[]byte); ok {
		return *b, nil
	}
	return nil, fmt.Errorf("raw codec: cannot marshal %T", v)
}

func (rawCodec) Unmarshal(data []byte, v interface{}) error {
	p, ok := v.(*[]byte)
	if !ok {
		return fmt.Errorf("raw codec: cannot unmarshal into %T", v)
	}
	*p = data
	return nil
}

func init() { encoding.RegisterCodec(rawCodec{}) }

const method = "/chat.ChatService/Chat"

var bidi = grpc.StreamDesc{StreamName: "Chat", ServerStreams: true, ClientStreams: true}

// echo sends every message back until the client half-closes.
func echo(_ interface{}, s grpc.ServerStream) error {
	for {
		var b []byte
		if err := s.RecvMsg(&b); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
		if err := s.SendMsg(&b); err != nil {
			return err
		}
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "grpcloop: "+format+"\n", args...)
	os.Exit(1)
}

// serve starts the echo server on 127.0.0.1 (a port the kernel picks)
// and returns its address and a stop function.
func serve() (string, func()) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fail("listen: %v", err)
	}
	srv := grpc.NewServer()
	srv.RegisterService(&grpc.ServiceDesc{
		ServiceName: "chat.ChatService",
		HandlerType: (*interface{})(nil),
		Streams: []grpc.StreamDesc{{StreamName: "Chat", Handler: echo,
			ServerStreams: true, ClientStreams: true}},
	}, struct{}{})
	go srv.Serve(lis)
	return lis.Addr().String(), srv.Stop
}

// warmup runs one untimed round trip, so that setting up the connection
// is not measured.
func warmup(cc *grpc.ClientConn) {
	st, err := cc.NewStream(context.Background(), &bidi, method)
	if err != nil {
		fail("warm-up: %v", err)
	}
	b := []byte("warmup")
	if err := st.SendMsg(&b); err != nil {
		fail("warm-up send: %v", err)
	}
	if err := st.RecvMsg(&b); err != nil {
		fail("warm-up receive: %v", err)
	}
	st.CloseSend()
	if err := st.RecvMsg(&b); err != io.EOF {
		fail("warm-up end: %v", err)
	}
}

// run is the timed echo: n messages of size bytes there and back.
func run(cc *grpc.ClientConn, n, size int) time.Duration {
	start := time.Now()
	st, err := cc.NewStream(context.Background(), &bidi, method)
	if err != nil {
		fail("new stream: %v", err)
	}
	payload := make([]byte, size)
	sendErr := make(chan error, 1)
	go func() {
		for i := 0; i < n; i++ {
			if err := st.SendMsg(&payload); err != nil {
				sendErr <- err
				return
			}
		}
		sendErr <- st.CloseSend()
	}()
	got := 0
	for {
		var b []byte
		err := st.RecvMsg(&b)
		if err == io.EOF {
			break
		}
		if err != nil || len(b) != size {
			fail("echo %d: %v (%d bytes, want %d)", got, err, len(b), size)
		}
		got++
	}
	d := time.Since(start)
	if err := <-sendErr; err != nil || got != n {
		fail("send: %v; %d echoes, want %d", err, got, n)
	}
	return d
}

func main() {
	n := flag.Int("n", 100000, "messages")
	size := flag.Int("size", 16, "payload bytes")
	flag.Parse()

	addr, stop := serve()
	defer stop()
	cc, err := grpc.Dial(addr, grpc.WithInsecure())
	if err != nil {
		fail("dial %s: %v", addr, err)
	}
	defer cc.Close()
	warmup(cc)
	d := run(cc, *n, *size)
	s := d.Seconds()
	fmt.Printf("peer=grpc-loopback size=%d msgs=%d seconds=%.4f msgs_per_s=%.0f MBps=%.2f transport=grpc-tcp-loopback codec=raw\n",
		*size, *n, s, float64(*n)/s, float64(*n)*float64(*size)/s/1e6)
}
