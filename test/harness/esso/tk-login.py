#!/usr/bin/env python3
"""LABO: a Tk login window for the eSSO tests (Tk is invisible to AT-SPI: typed through XTEST).

Prints one JSON line per submission on stdout: what the window received, so that a test can
check the fill. The accepted credential comes from the command line. Options:
  --user U --password P      a credential the application accepts (repeatable: one per person)
  --fields-after SECONDS     show "Chargement…" first, the fields only after this delay
  --expired NEWRULE          after a right login, ask for a new password (any of >= 10 chars)
  --news                     show a "Nouveautés" screen first (a custom screen to dismiss)
"""
import argparse
import json
import sys
import tkinter as tk

parser = argparse.ArgumentParser()
parser.add_argument("--user", action="append", required=True)
parser.add_argument("--password", action="append", required=True)
parser.add_argument("--fields-after", type=float, default=0)
parser.add_argument("--expired", action="store_true")
parser.add_argument("--news", action="store_true")
args = parser.parse_args()
accepted = dict(zip(args.user, args.password))

root = tk.Tk(className="LaboLogin")
root.geometry("420x200+10+10")
failures = 0


def report(**event):
    print(json.dumps(event, ensure_ascii=False), flush=True)


def clear():
    for child in root.winfo_children():
        child.destroy()


def entry_row(label, show=None):
    frame = tk.Frame(root)
    frame.pack(fill="x", padx=8, pady=4)
    tk.Label(frame, text=label, width=16, anchor="w").pack(side="left")
    entry = tk.Entry(frame, show=show) if show else tk.Entry(frame)
    entry.pack(side="left", fill="x", expand=True)
    return entry


def login_screen():
    clear()
    root.title("LABO — Connexion")
    user = entry_row("Identifiant")
    password = entry_row("Mot de passe", show="*")

    def submit(_event=None):
        global failures
        report(screen="login", user=user.get(), password=password.get())
        if accepted.get(user.get()) == password.get():
            if args.expired:
                change_screen(user.get(), password.get())
            else:
                success_screen(user.get())
        else:
            failures += 1
            # A failure message, then the login screen again, as many applications do.
            root.title("LABO — Identifiants incorrects (%d)" % failures)
            password.delete(0, "end")
            user.focus_set()
            root.after(800, lambda: root.title("LABO — Connexion"))

    password.bind("<Return>", submit)
    user.bind("<Return>", submit)
    tk.Button(root, text="Connexion", command=submit).pack()
    user.focus_set()


def change_screen(name, old):
    clear()
    root.title("LABO — Mot de passe expiré")
    current = entry_row("Mot de passe actuel", show="*")
    new = entry_row("Nouveau", show="*")
    again = entry_row("Confirmation", show="*")

    def submit(_event=None):
        report(screen="change", old=current.get(), new=new.get(), again=again.get())
        if current.get() == old and new.get() == again.get() and len(new.get()) >= 10:
            root.title("LABO — Mot de passe changé")
            accepted[name] = new.get()
        else:
            root.title("LABO — Mot de passe refusé")

    again.bind("<Return>", submit)
    current.focus_set()


def success_screen(name):
    clear()
    root.title("LABO — Résultats (%s)" % name)
    tk.Label(root, text="Résultats du jour").pack()
    root.bind("<Escape>", lambda _e: (root.unbind("<Escape>"), report(screen="logout"), login_screen()))


def news_screen():
    clear()
    root.title("LABO — Nouveautés")
    tk.Label(root, text="Nouvelle version !").pack()
    button = tk.Button(root, text="OK", command=lambda: (report(screen="news-dismissed"), start()))
    button.pack()
    root.bind("<Return>", lambda _e: (root.unbind("<Return>"), report(screen="news-dismissed"), start()))
    button.focus_set()


def start():
    if args.fields_after > 0:
        clear()
        root.title("LABO — Chargement…")
        tk.Label(root, text="Chargement…").pack()
        root.after(int(args.fields_after * 1000), login_screen)
    else:
        login_screen()


root.after(0, news_screen if args.news else start)
report(screen="started")
root.mainloop()
