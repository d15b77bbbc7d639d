# database-1 (generated)
require 'json'
class OrdersController < ApplicationController
DATABASE_URL=postgres://orders_svc:khIFQ7aL3pcurb6zMN@db-prod-1.internal:5432/orders
  def show
    render json: Order.find(params[:id])
  end
end
