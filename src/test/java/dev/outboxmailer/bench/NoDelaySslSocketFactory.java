package dev.outboxmailer.bench;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import javax.net.SocketFactory;
import javax.net.ssl.SSLSocketFactory;

/**
 * Baseline 1b: what a Camel user can do without outbox-mailer — plug a TCP_NODELAY SSL socket factory
 * into camel-mail through {@code mail.smtps.ssl.socketFactory.class} (Angus calls {@link #getDefault()}).
 */
public class NoDelaySslSocketFactory extends SSLSocketFactory {
    private static final SSLSocketFactory DELEGATE = (SSLSocketFactory) SSLSocketFactory.getDefault();

    public static SocketFactory getDefault() {
        return new NoDelaySslSocketFactory();
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
        s.setTcpNoDelay(true);
        return DELEGATE.createSocket(s, host, port, autoClose);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        Socket s = DELEGATE.createSocket(host, port);
        s.setTcpNoDelay(true);
        return s;
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress local, int localPort) throws IOException {
        Socket s = DELEGATE.createSocket(host, port, local, localPort);
        s.setTcpNoDelay(true);
        return s;
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        Socket s = DELEGATE.createSocket(host, port);
        s.setTcpNoDelay(true);
        return s;
    }

    @Override
    public Socket createSocket(InetAddress host, int port, InetAddress local, int localPort) throws IOException {
        Socket s = DELEGATE.createSocket(host, port, local, localPort);
        s.setTcpNoDelay(true);
        return s;
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return DELEGATE.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return DELEGATE.getSupportedCipherSuites();
    }
}
