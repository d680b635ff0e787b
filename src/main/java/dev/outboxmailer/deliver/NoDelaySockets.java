package dev.outboxmailer.deliver;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * Socket factories that switch Nagle's algorithm off. SMTP is a chatty request/reply protocol; with
 * Nagle on, each TLS 1.3 handshake stalled ~40 ms on a delayed ACK (measured), and large messages
 * went half as fast.
 */
final class NoDelaySockets {
    private NoDelaySockets() {}

    /** For the TCP connection itself (plain SMTP, and STARTTLS before the upgrade). */
    static SocketFactory plain() {
        return new SocketFactory() {
            @Override
            public Socket createSocket() throws IOException {
                Socket s = new Socket();
                s.setTcpNoDelay(true);
                return s;
            }

            @Override
            public Socket createSocket(String host, int port) throws IOException {
                Socket s = new Socket(host, port);
                s.setTcpNoDelay(true);
                return s;
            }

            @Override
            public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
                Socket s = new Socket(host, port, local, localPort);
                s.setTcpNoDelay(true);
                return s;
            }

            @Override
            public Socket createSocket(InetAddress host, int port) throws IOException {
                Socket s = new Socket(host, port);
                s.setTcpNoDelay(true);
                return s;
            }

            @Override
            public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
                Socket s = new Socket(host, port, local, localPort);
                s.setTcpNoDelay(true);
                return s;
            }
        };
    }

    /**
     * TLS over a no-delay TCP socket, trusting what {@code context} trusts. Angus Mail connects a plain
     * socket and layers TLS over it with {@link SSLSocketFactory#createSocket(Socket, String, int, boolean)};
     * it then turns on endpoint identification, so the server's name is checked against its certificate.
     */
    static SSLSocketFactory tls(SSLContext context) {
        SSLSocketFactory delegate = context.getSocketFactory();
        return new SSLSocketFactory() {
            @Override
            public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
                s.setTcpNoDelay(true);
                return delegate.createSocket(s, host, port, autoClose);
            }

            @Override
            public Socket createSocket(String host, int port) throws IOException {
                return noDelay(delegate.createSocket(host, port));
            }

            @Override
            public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
                return noDelay(delegate.createSocket(host, port, local, localPort));
            }

            @Override
            public Socket createSocket(InetAddress host, int port) throws IOException {
                return noDelay(delegate.createSocket(host, port));
            }

            @Override
            public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
                return noDelay(delegate.createSocket(host, port, local, localPort));
            }

            @Override
            public String[] getDefaultCipherSuites() {
                return delegate.getDefaultCipherSuites();
            }

            @Override
            public String[] getSupportedCipherSuites() {
                return delegate.getSupportedCipherSuites();
            }
        };
    }

    private static Socket noDelay(Socket s) throws IOException {
        s.setTcpNoDelay(true);
        return s;
    }
}
