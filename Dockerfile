FROM python:3.11-slim
WORKDIR /app
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
COPY pyproject.toml README.md ./
COPY api ./api
COPY bot ./bot
COPY console ./console
COPY delivery ./delivery
COPY dialogs ./dialogs
COPY helpdesk ./helpdesk
COPY models ./models
COPY services ./services
COPY locales ./locales
RUN pip install --no-cache-dir -e .
ENV HTTP_HOST=0.0.0.0 HTTP_PORT=8080
EXPOSE 8080
CMD ["helpdesk", "serve"]
