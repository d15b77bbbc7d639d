# openai-1 (generated)
provider "aws" {
  region = "eu-west-1"
  OPENAI = "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"
}
resource "aws_s3_bucket" "assets" {
  bucket = "acme-assets-prod"
}
