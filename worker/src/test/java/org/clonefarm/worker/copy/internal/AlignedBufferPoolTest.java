package org.clonefarm.worker.copy.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import org.junit.jupiter.api.Test;

/** The chunk buffer pool: reuse, its idle limit, aligned buffers, and zeros nobody can write. */
class AlignedBufferPoolTest {
    private static final int CHUNK = 64 * 1024;

    @Test
    void aBufferGivenBackIsTheNextOneTakenOfItsSizeWithItsFullLimit() {
        AlignedBufferPool pool = new AlignedBufferPool(4L * CHUNK);
        ByteBuffer first = pool.take(CHUNK);
        first.position(100).limit(200);
        pool.giveBack(first);

        ByteBuffer again = pool.take(CHUNK);
        ByteBuffer otherSize = pool.take(2 * CHUNK);

        assertThat(again).isSameAs(first);
        assertThat(again.position()).isZero();
        assertThat(again.limit()).isEqualTo(CHUNK);
        assertThat(otherSize).isNotSameAs(first);
        assertThat(otherSize.capacity()).isEqualTo(2 * CHUNK);
        assertThat(pool.idleBytes()).isZero();
    }

    @Test
    void keepsNoMoreIdleBytesThanItsLimit() {
        AlignedBufferPool pool = new AlignedBufferPool(2L * CHUNK);
        ByteBuffer a = pool.take(CHUNK);
        ByteBuffer b = pool.take(CHUNK);
        ByteBuffer c = pool.take(CHUNK);
        pool.giveBack(a);
        pool.giveBack(b);
        pool.giveBack(c);

        assertThat(pool.idleBytes()).isEqualTo(2L * CHUNK);
        // identity, not equals: a ByteBuffer equals any other with the same remaining bytes
        ByteBuffer first = pool.take(CHUNK);
        ByteBuffer second = pool.take(CHUNK);
        ByteBuffer third = pool.take(CHUNK);
        assertThat(first == a || first == b).as("first taken is a kept one").isTrue();
        assertThat(second == a || second == b).as("second taken is a kept one").isTrue();
        assertThat(second).isNotSameAs(first);
        assertThat(third != a && third != b && third != c).as("the third is new: c was not kept").isTrue();
    }

    @Test
    void buffersAreDirectAndAlignedForDirectIo() {
        AlignedBufferPool pool = new AlignedBufferPool(0);
        ByteBuffer buffer = pool.take(CHUNK);

        assertThat(buffer.isDirect()).isTrue();
        assertThat(buffer.alignmentOffset(0, ExtentChannels.ALIGNMENT)).isZero();
        pool.giveBack(buffer);
        assertThat(pool.idleBytes()).as("a pool that keeps nothing").isZero();
    }

    @Test
    void zerosAreSharedReadOnlyAndAllZero() {
        AlignedBufferPool pool = new AlignedBufferPool(AlignedBufferPool.DEFAULT_RETAIN_BYTES);
        ByteBuffer zeros = pool.zeros(CHUNK);

        assertThat(pool.zeros(CHUNK)).isSameAs(zeros);
        assertThat(zeros.isReadOnly()).isTrue();
        assertThat(zeros.alignmentOffset(0, ExtentChannels.ALIGNMENT)).isZero();
        assertThat(zeros.mismatch(ByteBuffer.allocate(CHUNK))).isEqualTo(-1);
        assertThatThrownBy(() -> zeros.duplicate().put(0, (byte) 1)).isInstanceOf(ReadOnlyBufferException.class);
        assertThatThrownBy(() -> pool.giveBack(zeros)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesANegativeLimit() {
        assertThatThrownBy(() -> new AlignedBufferPool(-1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("-1");
    }
}
