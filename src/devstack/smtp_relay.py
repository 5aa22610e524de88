#!/usr/bin/python3
"""SMTP receiver for Postdesk's dev mail stack (postdesk::devstack).

Accepts SMTP on 127.0.0.1 and hands every transaction to Dovecot over LMTP
*before* answering, so a "250" after DATA means the message is already in the
recipient's mailbox. MAIL, RCPT and DATA are relayed command by command, and
LMTP's answer (code and words, e.g. "550 5.1.1 <x> User doesn't exist") goes
back to the SMTP client unchanged. If LMTP cannot be reached the client gets
"451 4.4.1".

Failure injection: with --fail-file PATH, while PATH exists and holds a line
"COMMAND REPLY" (COMMAND is MAIL, RCPT or DATA), that command is answered with
REPLY instead of being relayed, e.g. "DATA 451 4.3.0 Try again later".

TLS: with --tls-cert and --tls-key, STARTTLS is offered (not required) on
--listen, and with --tls-listen PORT implicit TLS is served on PORT as well.

Discarding sink (for benchmarks): with --discard, every message is accepted
with 250 and thrown away, no LMTP involved; with --count-file PATH, one line
is appended to PATH per accepted message before the 250 goes out: its
Message-ID header's value ("-" if it has none), so the file's line count is
the number of messages received and repeats show as repeated lines.

Stop it with any signal (SIGTERM, SIGKILL): it keeps no state, and it can be
started again on the same port at once.

Needs Debian's python3-aiosmtpd: run it with /usr/bin/python3.
"""

import argparse
import asyncio
import re
import smtplib
import ssl
import sys

from aiosmtpd.smtp import SMTP

LMTP_TIMEOUT_SECS = 30


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


def supported(lmtp, option):
    keyword = option.split("=")[0].lower()
    return lmtp.has_extn("8bitmime" if keyword == "body" else keyword)


def reply(code, message):
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    return f"{code} " + " ".join(text.splitlines())


class LmtpRelay:
    def __init__(self, lmtp_port, fail_file):
        self.lmtp_port = lmtp_port
        self.fail_file = fail_file

    def injected(self, command):
        if not self.fail_file:
            return None
        try:
            with open(self.fail_file, encoding="utf-8") as f:
                stage, _, answer = f.readline().strip().partition(" ")
        except FileNotFoundError:
            return None
        return answer if stage.upper() == command and answer else None

    def connect(self):
        lmtp = smtplib.LMTP(
            "127.0.0.1", self.lmtp_port, "mailstack", timeout=LMTP_TIMEOUT_SECS
        )
        lmtp.ehlo()
        return lmtp

    async def handle_MAIL(self, server, session, envelope, address, options):
        if answer := self.injected("MAIL"):
            return answer
        try:
            lmtp = await asyncio.to_thread(self.connect)
        except OSError as e:
            return f"451 4.4.1 LMTP unavailable: {e}"
        wanted = [o for o in options if supported(lmtp, o)]
        code, message = await asyncio.to_thread(lmtp.mail, address, wanted)
        if code != 250:
            lmtp.close()
            return reply(code, message)
        envelope.lmtp = lmtp  # dropped (and closed) with the envelope
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return reply(code, message)

    async def handle_RCPT(self, server, session, envelope, address, options):
        if answer := self.injected("RCPT"):
            return answer
        try:
            code, message = await asyncio.to_thread(envelope.lmtp.rcpt, address)
        except (OSError, smtplib.SMTPException) as e:
            return f"451 4.4.1 LMTP failed: {e}"
        if code == 250:
            envelope.rcpt_tos.append(address)
        return reply(code, message)

    async def handle_DATA(self, server, session, envelope):
        if answer := self.injected("DATA"):
            return answer
        try:
            replies = await asyncio.to_thread(self.deliver, envelope)
        except smtplib.SMTPResponseException as e:
            return reply(e.smtp_code, e.smtp_error)
        except (OSError, smtplib.SMTPException) as e:
            return f"451 4.4.1 LMTP failed: {e}"
        finally:
            envelope.lmtp.close()
        for code, message in replies:
            log(f"{envelope.mail_from} -> {envelope.rcpt_tos}: {reply(code, message)}")
        failed = [r for r in replies if r[0] != 250]
        return reply(*(failed[0] if failed else replies[0]))

    @staticmethod
    def deliver(envelope):
        """DATA over LMTP: one reply per accepted recipient."""
        first = envelope.lmtp.data(envelope.original_content)
        more = [envelope.lmtp.getreply() for _ in envelope.rcpt_tos[1:]]
        return [first, *more]


class Discard:
    """Accepts every message and drops it, noting its Message-ID in count_file."""

    def __init__(self, count_file):
        self.counter = open(count_file, "ab", buffering=0) if count_file else None

    async def handle_DATA(self, server, session, envelope):
        if self.counter:
            self.counter.write(message_id(envelope.original_content) + b"\n")
        return "250 2.0.0 Accepted and discarded"


def message_id(raw):
    """The Message-ID header's value (unfolded), or b"-"."""
    head = raw.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
    head = re.sub(rb"\r?\n[ \t]", b" ", head)
    found = re.search(rb"(?im)^message-id:(.*?)\r?$", head)
    value = b" ".join(found.group(1).split()) if found else b""
    return value or b"-"


def arguments():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", type=int, required=True, help="SMTP port")
    parser.add_argument("--lmtp", type=int, help="Dovecot's LMTP port")
    parser.add_argument("--fail-file", help="failure injection file (see above)")
    parser.add_argument("--discard", action="store_true", help="accept and drop")
    parser.add_argument("--count-file", help="a line per discarded message: its Message-ID")
    parser.add_argument("--tls-cert", help="server certificate chain (PEM)")
    parser.add_argument("--tls-key", help="server private key (PEM)")
    parser.add_argument("--tls-listen", type=int, help="implicit-TLS SMTP port")
    args = parser.parse_args()
    if args.discard == (args.lmtp is not None):
        parser.error("give either --lmtp or --discard")
    if args.tls_listen and not args.tls_cert:
        parser.error("--tls-listen needs --tls-cert and --tls-key")
    return args


def tls_context(args):
    if not args.tls_cert:
        return None
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.tls_cert, args.tls_key)
    return context


def main():
    args = arguments()
    if args.discard:
        handler, target = Discard(args.count_file), "discard"
    else:
        handler, target = LmtpRelay(args.lmtp, args.fail_file), f"LMTP {args.lmtp}"
    context = tls_context(args)
    loop = asyncio.new_event_loop()

    def serve(port, starttls, implicit):
        def smtp():
            return SMTP(
                handler, hostname="mailstack", enable_SMTPUTF8=True, tls_context=starttls
            )

        server = loop.create_server(
            smtp, host="127.0.0.1", port=port, reuse_address=True, ssl=implicit
        )
        return loop.run_until_complete(server)

    servers = [serve(args.listen, context, None)]
    if args.tls_listen:
        servers.append(serve(args.tls_listen, None, context))
    tls = f", implicit TLS on {args.tls_listen}" if args.tls_listen else ""
    log(f"smtp_relay: SMTP on 127.0.0.1:{args.listen}{tls} -> {target}")
    try:
        loop.run_forever()
    finally:
        for server in servers:
            server.close()


if __name__ == "__main__":
    main()
