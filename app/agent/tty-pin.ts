/**
 * PIN entry on a terminal, for the headless agent run by hand (IT testing a reader and the IdP
 * before the screens are deployed). The digits go straight into a fixed Uint8Array that the
 * agent zeroes after use; nothing is echoed but a mask, and the line is never stored as a string.
 */
const MAX_PIN = 12;

export function readPinFromTty(
  input: NodeJS.ReadStream,
  output: NodeJS.WriteStream,
  prompt: string,
): Promise<Uint8Array | null> {
  return new Promise((resolve) => {
    const buffer = new Uint8Array(MAX_PIN);
    let length = 0;
    const wasRaw = input.isRaw;
    input.setRawMode?.(true);
    input.resume();
    output.write(`${prompt} `);
    const finish = (value: Uint8Array | null): void => {
      input.off('data', onData);
      input.setRawMode?.(wasRaw);
      input.pause();
      output.write('\n');
      buffer.fill(0);
      resolve(value);
    };
    const onData = (chunk: Buffer): void => {
      // The chunk holds typed digits too: wiped however the loop ends (Enter and cancel included).
      try {
        for (const byte of chunk) {
          if (byte === 0x0d || byte === 0x0a) {
            // Enter: hand over a copy of exactly the digits typed; the work buffer is wiped.
            finish(buffer.slice(0, length));
            return;
          }
          if (byte === 0x03 || byte === 0x1b) {
            // Ctrl-C or Escape: cancel.
            finish(null);
            return;
          }
          if ((byte === 0x7f || byte === 0x08) && length > 0) {
            length -= 1;
            buffer[length] = 0;
            output.write('\b \b');
          } else if (byte >= 0x30 && byte <= 0x39 && length < MAX_PIN) {
            buffer[length] = byte;
            length += 1;
            output.write('•');
          }
        }
      } finally {
        chunk.fill(0);
      }
    };
    input.on('data', onData);
  });
}
