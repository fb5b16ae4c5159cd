from sqlxy.cli import run

run()
