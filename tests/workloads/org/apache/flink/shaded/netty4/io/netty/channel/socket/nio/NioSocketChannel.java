// SPDX-License-Identifier: GPL-2.0
package org.apache.flink.shaded.netty4.io.netty.channel.socket.nio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Stand-in named like Flink's shaded Netty channel (tests/e2e/categories.sh):
 * doWrite sends a buffer over a loopback socket, so the kernel's socket
 * system calls run under a Netty-named frame.
 */
public final class NioSocketChannel {
    private final SocketChannel ch;

    public NioSocketChannel(SocketChannel ch) {
        this.ch = ch;
    }

    public int doWrite(byte[] data, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(data, 0, len);
        int n = 0;
        while (buf.hasRemaining()) {
            n += ch.write(buf);
        }
        return n;
    }
}
