# The seed article's chat room (Flask on gevent's pywsgi), the reference of
# bench/chat: users with a Queue each, long polling with a 10 s timeout, the
# last 25 messages on joining. The routes and their behaviour are the
# original's; the three pages are inlined (render_template_string) so that the
# program is one file, and the server does not log every request.
#
# Run with Debian's interpreter, which has gevent and Flask:
#   /usr/bin/python3 bench/chat/flask_chat.py 127.0.0.1 5001
from gevent import monkey

monkey.patch_all()

import json
import sys

from flask import Flask, render_template_string, request
from gevent import queue
from gevent.pywsgi import WSGIServer

app = Flask(__name__)


class Room(object):
    def __init__(self):
        self.users = set()
        self.messages = []

    def backlog(self, size=25):
        return self.messages[-size:]

    def subscribe(self, user):
        self.users.add(user)

    def add(self, message):
        for user in self.users:
            user.queue.put_nowait(message)
        self.messages.append(message)


class User(object):
    def __init__(self):
        self.queue = queue.Queue()


rooms = {
    "topic1": Room(),
    "topic2": Room(),
}

users = {}

CHOOSE = """<form onsubmit="location='/'+this.uid.value;return false">
<input name="uid"><button>go</button></form>"""
MAIN = """{% for r in rooms %}<a href="/{{r}}/{{uid}}">{{r}}</a> {% endfor %}"""
ROOM = """<ul id="messages">{% for m in messages %}<li>{{m}}</li>{% endfor %}</ul>"""


@app.route("/")
def choose_name():
    return render_template_string(CHOOSE)


@app.route("/<uid>")
def main(uid):
    return render_template_string(MAIN, uid=uid, rooms=rooms.keys())


@app.route("/<room>/<uid>")
def join(room, uid):
    user = users.get(uid, None)
    if not user:
        users[uid] = user = User()
    active_room = rooms[room]
    active_room.subscribe(user)
    messages = active_room.backlog()
    return render_template_string(ROOM, room=room, uid=uid, messages=messages)


@app.route("/put/<room>/<uid>", methods=["POST"])
def put(room, uid):
    user = users[uid]
    room = rooms[room]
    message = request.form["message"]
    room.add(":".join([uid, message]))
    return ""


@app.route("/poll/<uid>", methods=["POST"])
def poll(uid):
    try:
        msg = users[uid].queue.get(timeout=10)
    except queue.Empty:
        msg = []
    return json.dumps(msg)


if __name__ == "__main__":
    host = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1"
    port = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
    http = WSGIServer((host, port), app, log=None)
    print("listening on %s:%d" % (host, port), flush=True)
    http.serve_forever()
