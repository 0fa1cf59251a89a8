#!/usr/bin/env python3
"""ADMISSIONS: a terminal login (as run in xterm) for the eSSO tests.

Sets the terminal title (OSC 2) for each screen, reads a user then a password (no echo), and
appends one JSON line per submission to the file given as --report (xterm owns stdout).
"""
import argparse
import getpass
import json
import sys

parser = argparse.ArgumentParser()
parser.add_argument("--user", required=True)
parser.add_argument("--password", required=True)
parser.add_argument("--report", required=True)
args = parser.parse_args()


def title(text):
    sys.stdout.write("\033]2;%s\007" % text)
    sys.stdout.flush()


def report(**event):
    with open(args.report, "a", encoding="utf-8") as out:
        out.write(json.dumps(event, ensure_ascii=False) + "\n")


report(screen="started")
while True:
    title("ADMISSIONS — Identification")
    user = input("Identifiant : ")
    password = getpass.getpass("Mot de passe : ")
    report(screen="login", user=user, password=password)
    if user == args.user and password == args.password:
        break
    title("ADMISSIONS — Refusé")
    print("Accès refusé.")
    input("Entrée pour recommencer")

title("ADMISSIONS — Menu")
while True:
    choice = input("Menu (q pour quitter) : ")
    if choice == "q":
        report(screen="logout")
        break
